package dev.kiln.layers;

import dev.kiln.core.Shape;
import dev.kiln.core.Tensor;
import java.util.List;

/**
 * The base of element-wise merge layers (Add, Multiply): two or more inputs of one shape, or shapes that
 * broadcast (an axis of size 1 stretches), combined pairwise from the left. Masks are ANDed.
 */
public abstract class Merge extends Layer {

    /** Combines two inputs element-wise. */
    protected abstract Tensor merge(Tensor a, Tensor b);

    @Override
    protected final void checkInputShapes(List<Shape> shapes) {
        if (shapes.size() < 2) throw inputError("expects at least 2 inputs", shapes.size() + " input(s) of shapes " + shapes);
        broadcastShape(shapes);
    }

    @Override
    protected void build(List<Shape> shapes) {}

    @Override
    protected final List<Tensor> call(List<Tensor> inputs, List<Tensor> masks, boolean training) {
        Tensor result = inputs.get(0);
        for (Tensor next : inputs.subList(1, inputs.size())) result = merge(result, next);
        return List.of(result);
    }

    @Override
    public final List<Shape> outputShapes(List<Shape> shapes) { return List.of(broadcastShape(shapes)); }

    @Override
    public boolean supportsMasking() { return true; }

    private Shape broadcastShape(List<Shape> shapes) {
        int rank = shapes.get(0).rank();
        long[] dims = shapes.get(0).dims();
        for (Shape s : shapes) {
            if (s.rank() != rank) throw inputError("expects inputs of one rank and shape (or broadcastable)", shapes);
            for (int i = 0; i < rank; i++) {
                long a = dims[i];
                long b = s.get(i);
                if (a == b || b == 1) continue;
                if (a == 1 || a == Shape.UNKNOWN) dims[i] = b;
                else if (b != Shape.UNKNOWN) throw inputError("expects inputs of one shape (or broadcastable)", shapes);
            }
        }
        return Shape.of(dims);
    }
}
