package dev.kiln.data;

/**
 * NumPy's legacy {@code numpy.random.RandomState}, as far as {@code shuffle} needs it: the MT19937 generator with
 * its classic integer seeding, and the shuffle that draws from it. Keras's {@code imdb.load_data} orders reviews
 * with {@code RandomState(113)}, so reproducing Keras's row order from the original files needs exactly this.
 *
 * <p>References: Matsumoto and Nishimura (1998), "Mersenne Twister", {@code init_genrand} and
 * {@code genrand_int32}; NumPy's {@code RandomState.shuffle} (Fisher–Yates from the last position down, each
 * swap partner drawn by {@code random_interval}: the smallest all-ones bit mask ≥ max, and rejection of 32-bit
 * draws masked above max).
 */
final class NumpyRandomState {

    private static final int N = 624;
    private static final int M = 397;

    private final int[] state = new int[N];
    private int position;

    /** {@code RandomState(seed)}; NumPy accepts seeds 0 to 2^32 − 1. */
    NumpyRandomState(long seed) {
        if (seed < 0 || seed > 0xFFFF_FFFFL) {
            throw new IllegalArgumentException("A NumPy seed must be between 0 and 2**32 - 1. Received: seed=" + seed);
        }
        state[0] = (int) seed;
        for (int i = 1; i < N; i++) state[i] = 1812433253 * (state[i - 1] ^ (state[i - 1] >>> 30)) + i;  // mod 2^32 by overflow
        position = N;
    }

    /** The next 32-bit output, as an unsigned value in a long. */
    long nextUInt32() {
        if (position == N) twist();
        int y = state[position++];
        y ^= y >>> 11;
        y ^= (y << 7) & 0x9D2C5680;
        y ^= (y << 15) & 0xEFC60000;
        y ^= y >>> 18;
        return y & 0xFFFF_FFFFL;
    }

    private void twist() {
        for (int k = 0; k < N; k++) {
            int y = (state[k] & 0x8000_0000) | (state[(k + 1) % N] & 0x7FFF_FFFF);
            state[k] = state[(k + M) % N] ^ (y >>> 1) ^ ((y & 1) != 0 ? 0x9908B0DF : 0);
        }
        position = 0;
    }

    /** A uniform integer in [0, max], by NumPy's masked rejection. */
    long interval(long max) {
        if (max == 0) return 0;
        if (max > 0xFFFF_FFFFL) throw new IllegalArgumentException("interval supports max < 2^32. Received: " + max);
        long mask = max;
        mask |= mask >>> 1;
        mask |= mask >>> 2;
        mask |= mask >>> 4;
        mask |= mask >>> 8;
        mask |= mask >>> 16;
        long value;
        do {
            value = nextUInt32() & mask;
        } while (value > max);
        return value;
    }

    /** Shuffles in place as {@code RandomState.shuffle} does on a 1-D array. */
    void shuffle(int[] values) {
        for (int i = values.length - 1; i > 0; i--) {
            int j = (int) interval(i);
            int t = values[i];
            values[i] = values[j];
            values[j] = t;
        }
    }

    /** {@code idx = arange(n); rng.shuffle(idx)}: the next permutation of 0..n-1 from this generator. */
    int[] permutation(int n) {
        int[] idx = new int[n];
        for (int i = 0; i < n; i++) idx[i] = i;
        shuffle(idx);
        return idx;
    }
}
