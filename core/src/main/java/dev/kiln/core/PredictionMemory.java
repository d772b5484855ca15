package dev.kiln.core;

import java.util.List;
import java.util.function.Supplier;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.memory.conf.WorkspaceConfiguration;
import org.nd4j.linalg.api.memory.enums.AllocationPolicy;
import org.nd4j.linalg.api.memory.enums.LearningPolicy;
import org.nd4j.linalg.api.memory.enums.SpillPolicy;
import org.nd4j.linalg.factory.Nd4j;

/**
 * One block of native memory per thread that every prediction batch's arrays are carved from, reused from batch
 * to batch (an ND4J workspace). Fresh arrays cost page faults: a W3 batch of 256 allocates its 20 MB attention
 * weights several times over, and allocation was a fifth to a quarter of W1's and W3's prediction time. The
 * block's size is learned in the first batch and grows when a later batch needs more; it stays with the thread.
 *
 * <pre>{@code
 * try (var memory = PredictionMemory.open()) {
 *     outputs = memory.detach(model.predictStep(batch));   // copies the results out of the block
 * }
 * }</pre>
 *
 * Anything that must outlive the batch is created {@link #outside} the block: weights (Tensor.parameter), what
 * layers build, and the states stateful RNNs keep. ND4J refuses an op on an array of a block that has moved on.
 */
public final class PredictionMemory implements AutoCloseable {

    private static final String NAME = "kiln-prediction";
    private static final WorkspaceConfiguration CONFIG = WorkspaceConfiguration.builder()
            .policyLearning(LearningPolicy.FIRST_LOOP)
            .policyAllocation(AllocationPolicy.OVERALLOCATE).overallocationLimit(0.2)
            .policySpill(SpillPolicy.REALLOCATE)
            .build();

    private final MemoryWorkspace workspace;

    private PredictionMemory(MemoryWorkspace workspace) { this.workspace = workspace; }

    /** Activates this thread's block; the arrays ops create until {@link #close} come from it. */
    public static PredictionMemory open() {
        return new PredictionMemory(Nd4j.getWorkspaceManager().getAndActivateWorkspace(CONFIG, NAME));
    }

    /** Copies of the tensors outside the block, recorded in the innermost open {@link MemoryScope}. */
    public List<Tensor> detach(List<Tensor> tensors) {
        return tensors.stream().map(t -> {
            if (!t.array().isAttached()) return t;          // made outside the block (an input passed through)
            Tensor copy = Tensor.fromArray(t.array().detach());
            MemoryScope.adopt(copy);
            return copy;
        }).toList();
    }

    /** A copy of the tensor outside the block, recorded in the innermost open {@link MemoryScope}. */
    public Tensor detach(Tensor tensor) { return detach(List.of(tensor)).get(0); }

    /** Runs {@code create} with no block active, so that what it allocates lives on after the batch. */
    public static <T> T outside(Supplier<T> create) {
        try (var ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            return create.get();
        }
    }

    @Override
    public void close() { workspace.close(); }
}
