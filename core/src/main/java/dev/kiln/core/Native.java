package dev.kiln.core;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.factory.Nd4j;

/** Runs ND4J custom ops by name (see ND4J-NOTES.md for each op's argument order). */
final class Native {

    private Native() {}

    static INDArray[] exec(String op, long[] intArgs, double[] floatArgs, boolean[] boolArgs, INDArray... inputs) {
        var builder = DynamicCustomOp.builder(op).addInputs(inputs);
        if (intArgs.length > 0) builder.addIntegerArguments(java.util.Arrays.stream(intArgs).mapToInt(Math::toIntExact).toArray());
        if (floatArgs.length > 0) builder.addFloatingPointArguments(boxed(floatArgs));
        if (boolArgs.length > 0) builder.addBooleanArguments(boolArgs);
        return Nd4j.exec(builder.build());
    }

    static INDArray[] exec(String op, long[] intArgs, INDArray... inputs) {
        return exec(op, intArgs, new double[0], new boolean[0], inputs);
    }

    /** The first output of an op with only integer arguments. */
    static INDArray first(String op, long[] intArgs, INDArray... inputs) { return exec(op, intArgs, inputs)[0]; }

    static long[] ints(long... values) { return values; }

    private static Double[] boxed(double[] values) {
        var boxed = new Double[values.length];
        for (int i = 0; i < values.length; i++) boxed[i] = values[i];
        return boxed;
    }
}
