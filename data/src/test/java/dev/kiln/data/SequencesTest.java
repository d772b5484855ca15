package dev.kiln.data;

import static dev.kiln.data.Sequences.Padding.POST;
import static dev.kiln.data.Sequences.Padding.PRE;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.core.DType;
import dev.kiln.core.Shape;
import java.util.List;
import org.junit.jupiter.api.Test;

class SequencesTest {

    private static final List<int[]> SEQUENCES = List.of(new int[] {1, 2, 3, 4, 5}, new int[] {6, 7}, new int[] {});

    @Test
    void kerasDefaultsPadAndTruncateAtTheStart() {
        int[][] padded = Sequences.pad(SEQUENCES, 3);
        assertArrayEquals(new int[] {3, 4, 5}, padded[0]);     // truncating "pre" keeps the last 3
        assertArrayEquals(new int[] {0, 6, 7}, padded[1]);     // padding "pre"
        assertArrayEquals(new int[] {0, 0, 0}, padded[2]);
    }

    @Test
    void postPaddingAndTruncatingWorkAtTheEnd() {
        int[][] padded = Sequences.pad(SEQUENCES, 3, POST, Sequences.Truncating.POST, -1);
        assertArrayEquals(new int[] {1, 2, 3}, padded[0]);
        assertArrayEquals(new int[] {6, 7, -1}, padded[1]);
        assertArrayEquals(new int[] {-1, -1, -1}, padded[2]);
    }

    @Test
    void paddingAndTruncatingSidesAreIndependent() {
        int[][] padded = Sequences.pad(SEQUENCES, 4, PRE, Sequences.Truncating.POST, 9);
        assertArrayEquals(new int[] {1, 2, 3, 4}, padded[0]);
        assertArrayEquals(new int[] {9, 9, 6, 7}, padded[1]);
        padded = Sequences.pad(SEQUENCES, 4, POST, Sequences.Truncating.PRE, 9);
        assertArrayEquals(new int[] {2, 3, 4, 5}, padded[0]);
        assertArrayEquals(new int[] {6, 7, 9, 9}, padded[1]);
    }

    @Test
    void withoutMaxlenRowsTakeTheLongestLength() {
        int[][] padded = Sequences.pad(SEQUENCES, null, PRE, Sequences.Truncating.PRE, 0);
        assertEquals(5, padded[0].length);
        assertArrayEquals(new int[] {1, 2, 3, 4, 5}, padded[0]);
        assertArrayEquals(new int[] {0, 0, 0, 6, 7}, padded[1]);
        assertEquals(0, Sequences.pad(List.of(), null, PRE, Sequences.Truncating.PRE, 0).length);
    }

    @Test
    void toTensorGivesInt32Rows() {
        var t = Sequences.toTensor(Sequences.pad(SEQUENCES, 2));
        assertEquals(Shape.of(3, 2), t.shape());
        assertEquals(DType.INT32, t.dtype());
        assertArrayEquals(new int[] {4, 5, 6, 7, 0, 0}, t.toIntArray());
        var e = assertThrows(IllegalArgumentException.class, () -> Sequences.toTensor(new int[][] {{1, 2}, {3}}));
        assertTrue(e.getMessage().contains("row 1 has 1"), e.getMessage());
    }

    @Test
    void badArgumentsAreRejected() {
        var e = assertThrows(IllegalArgumentException.class, () -> Sequences.pad(SEQUENCES, -1));
        assertTrue(e.getMessage().contains("maxlen=-1"), e.getMessage());
    }
}
