package dev.kiln.optim;

import dev.kiln.core.Tensor;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Updates parameters in place from their gradients, as a Keras 3 optimizer. A subclass is a per-parameter update
 * rule ({@link #updateStep}) and the names of the slots it keeps ({@link #slotNames}); this class owns the rest.
 *
 * <p>{@link #apply} does, in Keras's order, for the parameters that have a gradient:
 * <ol>
 *   <li>clip the gradients ({@link OptimizerOptions}: {@code clipnorm}, {@code clipvalue} or {@code globalClipnorm});
 *   <li>decoupled weight decay: {@code w ← w − lr · weightDecay · w};
 *   <li>the update rule, with {@code lr = schedule.at(iterations)};
 *   <li>{@code iterations ← iterations + 1}.
 * </ol>
 *
 * <p>Slots are created the first time a parameter is seen, in the parameter's dtype, and are found again by the
 * parameter's identity. The order in which parameters were first seen is the order of {@link #state()}, so a saved
 * state can be put back with {@link #loadState} onto the same list of parameters in a new process.
 *
 * <p>Speed: every step works in place on the parameter, its slots and its gradient, through ND4J's fused updater ops
 * where they compute Keras's formula; nothing is allocated per step beyond scalars.
 */
public abstract class Optimizer {

    private LearningRateSchedule learningRate;
    private final OptimizerOptions options;
    private long iterations;
    private final Map<Tensor, Slots> slotsByParameter = new IdentityHashMap<>();
    private final List<Tensor> parameters = new ArrayList<>();  // first-seen order: the order of state()

    protected Optimizer(OptimizerConfig<?> config) {
        this.learningRate = Objects.requireNonNull(config.learningRate(), "learningRate");
        this.options = Objects.requireNonNull(config.options(), "options");
    }

    // ---- the subclass's update rule ----

    /** The Keras names of the slots kept for each parameter, in saving order ("momentum", "velocity"). */
    protected abstract List<String> slotNames();

    /** The value a slot starts from: 0, unless the rule says otherwise (Adagrad's accumulator). */
    protected double initialSlotValue(String slot) { return 0; }

    /**
     * Runs once per {@link #apply}, after clipping and weight decay and before the per-parameter updates, while
     * {@link #iterations()} still counts the earlier steps: for state shared by all parameters (Nadam).
     */
    protected void beginStep() {}

    /**
     * Updates one parameter in place.
     *
     * @param variable the parameter's array, updated in place
     * @param gradient its gradient, clipped and in the parameter's dtype; the rule may overwrite it
     * @param learningRate the schedule's value for this step
     * @param slots this parameter's slots and work buffer
     */
    protected abstract void updateStep(INDArray variable, INDArray gradient, double learningRate, Slots slots);

    // ---- applying gradients ----

    /**
     * Updates, in place, every parameter in {@code parameters} that has a gradient ({@code gradArray() != null}),
     * and counts one iteration. Parameters without a gradient are skipped, as in Keras; if none has one, this fails.
     *
     * <p>The gradients are consumed: after this call they may hold clipped values or intermediate results. The next
     * backward pass overwrites them.
     */
    public final void apply(List<Tensor> parameters) {
        if (parameters.isEmpty()) return;
        var updated = new ArrayList<INDArray>(parameters.size());
        var gradients = new ArrayList<INDArray>(parameters.size());
        var slots = new ArrayList<Slots>(parameters.size());
        for (Tensor parameter : parameters) {
            Slots parameterSlots = slotsOf(parameter);
            INDArray gradient = parameter.gradArray();
            if (gradient == null) continue;
            updated.add(parameter.array());
            gradients.add(parameterSlots.inParameterType(gradient));
            slots.add(parameterSlots);
        }
        if (updated.isEmpty()) {
            throw new IllegalStateException("No gradients provided for any of the " + parameters.size()
                    + " parameters. Call backward() on the loss before apply().");
        }
        double lr = learningRate();
        // Loss scaling (mixed precision, Keras loss_scale_factor) would divide the gradients by the scale here, before
        // clipping. Kiln trains in float32 (ND4J has no fast float16 on CPU), so there is no scale yet.
        clip(gradients);
        double weightDecay = options.weightDecay();
        if (weightDecay > 0) for (INDArray variable : updated) variable.muli(1 - lr * weightDecay);
        beginStep();
        for (int i = 0; i < updated.size(); i++) updateStep(updated.get(i), gradients.get(i), lr, slots.get(i));
        iterations++;
    }

    private void clip(List<INDArray> gradients) {
        if (options.clipnorm() > 0) {
            double clipnorm = options.clipnorm();
            for (INDArray g : gradients) {
                double norm = g.norm2Number().doubleValue();
                if (norm > clipnorm) g.muli(clipnorm / norm);
            }
        } else if (options.globalClipnorm() > 0) {
            double clipnorm = options.globalClipnorm();
            double sumOfSquares = 0;
            for (INDArray g : gradients) {
                double norm = g.norm2Number().doubleValue();
                sumOfSquares += norm * norm;
            }
            double norm = Math.sqrt(sumOfSquares);
            for (INDArray g : gradients) {
                // As Keras, a non-finite global norm turns every gradient into NaN, so the failure shows at once.
                // assign, because ND4J's scalar arithmetic silently replaces a NaN operand with 1e-5.
                if (!Double.isFinite(norm)) g.assign(Double.NaN);
                else if (norm > clipnorm) g.muli(clipnorm / norm);
            }
        } else if (options.clipvalue() > 0) {
            double clipvalue = options.clipvalue();
            for (INDArray g : gradients) {
                Nd4j.exec(DynamicCustomOp.builder("clipbyvalue").addInputs(g).addOutputs(g)
                        .addFloatingPointArguments(-clipvalue, clipvalue).build());
            }
        }
    }

    private Slots slotsOf(Tensor parameter) {
        Slots slots = slotsByParameter.get(parameter);
        if (slots == null) {
            checkFloatingPoint(parameter);
            slots = new Slots(parameter.array(), slotNames(), this::initialSlotValue);
            slotsByParameter.put(parameter, slots);
            parameters.add(parameter);
        }
        return slots;
    }

    private static void checkFloatingPoint(Tensor parameter) {
        if (!parameter.dtype().isFloatingPoint()) {
            throw new IllegalArgumentException("Optimizers update float32 or float64 parameters. Received a parameter of dtype "
                    + parameter.dtype().kerasName() + " and shape " + parameter.shape());
        }
    }

    // ---- learning rate and configuration ----

    /** How many updates {@link #apply} has made (Keras {@code iterations}). */
    public long iterations() { return iterations; }

    /** The learning rate the next update will use: the schedule at {@link #iterations()}. */
    public double learningRate() { return learningRate.at(iterations); }

    public LearningRateSchedule learningRateSchedule() { return learningRate; }

    /**
     * Sets a fixed learning rate from the next update on, replacing any schedule: what ReduceLROnPlateau and
     * LearningRateScheduler do.
     */
    public void setLearningRate(double learningRate) { this.learningRate = LearningRateSchedule.constant(learningRate); }

    public void setLearningRate(LearningRateSchedule learningRate) {
        this.learningRate = Objects.requireNonNull(learningRate, "learningRate");
    }

    /** The hyper-parameters, with the current learning rate: what saving writes. */
    public abstract OptimizerConfig<?> config();

    /** The Keras name: "adam", "sgd", ... */
    public String name() { return config().name(); }

    @Override
    public String toString() { return config().toString(); }

    // ---- state ----

    /** A copy of the iteration count and every slot, by parameter in first-seen order. */
    public OptimizerState state() {
        var slots = new ArrayList<Map<String, OptimizerState.Slot>>(parameters.size());
        for (Tensor parameter : parameters) {
            var named = new LinkedHashMap<String, OptimizerState.Slot>();
            slotsByParameter.get(parameter).arrays().forEach((name, array) -> {
                Tensor slot = Tensor.fromArray(array);
                named.put(name, new OptimizerState.Slot(slot.shape(), slot.dtype(), slot.toDoubleArray()));
            });
            slots.add(named);
        }
        return new OptimizerState(name(), iterations, slots);
    }

    /**
     * Replaces this optimizer's state with {@code state}, whose i-th slots belong to {@code parameters.get(i)}; the
     * next {@link #apply} continues exactly where the saved optimizer stopped. Everything is checked before anything
     * changes.
     */
    public void loadState(OptimizerState state, List<Tensor> parameters) {
        if (!state.name().equals(name())) {
            throw new IllegalArgumentException("Cannot load the state of optimizer '" + state.name() + "' into optimizer '"
                    + name() + "'");
        }
        if (state.slots().size() != parameters.size()) {
            throw new IllegalArgumentException("The optimizer state holds slots for " + state.slots().size()
                    + " parameters, but " + parameters.size() + " parameters were given");
        }
        List<String> names = slotNames();
        for (int i = 0; i < parameters.size(); i++) {
            Map<String, OptimizerState.Slot> saved = state.slots().get(i);
            Tensor parameter = parameters.get(i);
            if (!saved.keySet().equals(new HashSet<>(names))) {
                throw new IllegalArgumentException("Parameter " + i + ": optimizer '" + name() + "' keeps slots " + names
                        + ". Received: " + saved.keySet());
            }
            for (var entry : saved.entrySet()) {
                if (!entry.getValue().shape().equals(parameter.shape())) {
                    throw new IllegalArgumentException("Parameter " + i + " has shape " + parameter.shape() + ", but its saved slot '"
                            + entry.getKey() + "' has shape " + entry.getValue().shape());
                }
            }
            checkFloatingPoint(parameter);
        }
        slotsByParameter.clear();
        this.parameters.clear();
        for (int i = 0; i < parameters.size(); i++) {
            Slots slots = slotsOf(parameters.get(i));
            state.slots().get(i).forEach((name, slot) ->
                    slots.get(name).assign(Tensor.of(slot.values(), slot.shape().dims()).array()));
        }
        iterations = state.iterations();
    }
}
