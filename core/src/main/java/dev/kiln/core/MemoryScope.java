package dev.kiln.core;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Frees the off-heap memory of every intermediate array created inside it when it closes.
 *
 * <p>ND4J allocates outside the Java heap, and its arrays are freed only by {@code close()} or, much later,
 * when the garbage collector finds the Java wrapper; a training loop that waits for the collector grows by
 * gigabytes (ND4J-NOTES.md, "Memory"). So each training or evaluation step runs in a scope: op outputs and
 * gradients of intermediate tensors are recorded here and closed together at the end of the step. Parameters,
 * their gradient buffers and optimizer state are created outside any scope's record and live on.
 *
 * <pre>{@code
 * try (var step = MemoryScope.open()) {
 *     var loss = model.apply(x, true).sub(y).square().mean();
 *     loss.backward();
 *     optimizer.apply(parameters);
 *     lossValue = loss.item();           // read what you need before the scope closes
 * }
 * }</pre>
 *
 * A tensor that must outlive the scope is handed to the enclosing one with {@link #keep(Tensor)}.
 */
public final class MemoryScope implements AutoCloseable {

    private static final ThreadLocal<ArrayDeque<MemoryScope>> OPEN = ThreadLocal.withInitial(ArrayDeque::new);

    private final List<INDArray> owned = new ArrayList<>();
    private boolean closed;

    private MemoryScope() {}

    public static MemoryScope open() {
        var scope = new MemoryScope();
        OPEN.get().push(scope);
        return scope;
    }

    /** Records an array created by an op so that the innermost open scope frees it. */
    static void track(INDArray array) {
        MemoryScope scope = OPEN.get().peek();
        if (scope != null && array != null && array.closeable()) scope.owned.add(array);
    }

    /**
     * Hands the arrays of tensors made elsewhere (a batch prepared on a prefetch thread) to the innermost open
     * scope, which frees them when it closes.
     */
    public static void adopt(Tensor... tensors) {
        for (Tensor t : tensors) if (t != null) track(t.array());
    }

    /**
     * Moves a tensor's value from this scope to the enclosing one (or to none), so it survives this scope. A value
     * that is a view of an array this scope frees (a reshape or transpose of an op's output) is copied first, since
     * the view would otherwise read freed memory. Returns the tensor to use from now on.
     */
    public Tensor keep(Tensor tensor) {
        INDArray array = tensor.array();
        if (!owned.removeIf(a -> a == array)) {
            boolean viewOfOwned = false;
            for (INDArray a : owned) viewOfOwned |= Tensor.sharesMemory(array, a);
            if (!viewOfOwned) return tensor;                  // not this scope's to free
            tensor = Tensor.fromArray(array.dup());
        }
        MemoryScope parent = null;
        boolean seenThis = false;
        for (MemoryScope s : OPEN.get()) {                    // innermost first: the parent comes right after this one
            if (seenThis) { parent = s; break; }
            seenThis = s == this;
        }
        if (parent != null) parent.owned.add(tensor.array());
        return tensor;
    }

    /** How many arrays this scope will free: lets tests show that per-step temporaries are released. */
    public int ownedCount() { return owned.size(); }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        var scopes = OPEN.get();
        if (scopes.peek() != this) throw new IllegalStateException("Memory scopes must be closed innermost first");
        scopes.pop();
        for (int i = owned.size() - 1; i >= 0; i--) {
            INDArray array = owned.get(i);
            if (!array.wasClosed()) array.close();
        }
        owned.clear();
    }
}
