package dev.kiln.saving;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.core.DType;
import dev.kiln.core.Kiln;
import dev.kiln.core.Shape;
import dev.kiln.layers.Conv1D;
import dev.kiln.layers.Dense;
import dev.kiln.layers.LayerTesting;
import dev.kiln.layers.Weight;
import dev.kiln.models.Input;
import dev.kiln.models.Sequential;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Base64;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The weights in a .kiln file are plain .npy arrays: a reader written from NumPy's format description reads them. */
class NpyReaderTest extends LayerTesting {

    @TempDir
    Path dir;

    /** What a minimal .npy reader returns: dtype string, shape, values. */
    record NpyArray(String descr, long[] shape, double[] values) {}

    /** Reads NumPy format 1.0 from its specification: magic, version, uint16 header length, dict, C-order data. */
    static NpyArray read(byte[] bytes) {
        ByteBuffer in = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        byte[] magic = new byte[6];
        in.get(magic);
        assertArrayEquals(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'}, magic);
        assertEquals(1, in.get(), "major version");
        assertEquals(0, in.get(), "minor version");
        int headerLength = Short.toUnsignedInt(in.getShort());
        String header = new String(bytes, 10, headerLength, StandardCharsets.US_ASCII);
        assertEquals(0, (10 + headerLength) % 64, "the data is 64-byte aligned");
        assertTrue(header.endsWith("\n"), header);
        Matcher m = Pattern.compile("\\{'descr': '(<f[48])', 'fortran_order': False, 'shape': \\(([0-9, ]*)\\), \\}").matcher(header);
        assertTrue(m.find(), header);
        long[] shape = Arrays.stream(m.group(2).split(",")).map(String::trim).filter(s -> !s.isEmpty()).mapToLong(Long::parseLong).toArray();
        in.position(10 + headerLength);
        double[] values = new double[(int) Arrays.stream(shape).reduce(1, (a, b) -> a * b)];
        for (int i = 0; i < values.length; i++) values[i] = m.group(1).equals("<f4") ? in.getFloat() : in.getDouble();
        assertEquals(bytes.length, in.position(), "nothing after the data");
        return new NpyArray(m.group(1), shape, values);
    }

    @Test
    void float32AndFloat64WeightsReadAsNpy() throws IOException {
        check(DType.FLOAT32, "<f4");
        check(DType.FLOAT64, "<f8");
    }

    /** numpy.save(np.array([[1.5, -2, 3], [0.25, 7, -0.125]], dtype='<f4')) and numpy.save(np.array(2.5)). */
    private static final String NUMPY_MATRIX = "k05VTVBZAQB2AHsnZGVzY3InOiAnPGY0JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDIsIDMpLCB9ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAMA/AAAAwAAAQEAAAIA+AADgQAAAAL4=";
    private static final String NUMPY_SCALAR = "k05VTVBZAQB2AHsnZGVzY3InOiAnPGY4JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKCksIH0gICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAAAAAAAEQA==";

    @Test
    void kilnWritesTheBytesNumpyWritesAndReadsWhatNumpyWrites() {
        byte[] matrix = Base64.getDecoder().decode(NUMPY_MATRIX);
        double[] values = {1.5, -2, 3, 0.25, 7, -0.125};
        assertArrayEquals(matrix, Npy.encode(Shape.of(2, 3), DType.FLOAT32, values));
        var read = Npy.decode(matrix, "matrix");
        assertEquals(Shape.of(2, 3), read.shape());
        assertEquals(DType.FLOAT32, read.dtype());
        assertArrayEquals(values, read.values(), 0.0);

        byte[] scalar = Base64.getDecoder().decode(NUMPY_SCALAR);
        assertArrayEquals(scalar, Npy.encode(Shape.of(new long[0]), DType.FLOAT64, new double[] {2.5}));
        assertEquals(Shape.of(new long[0]), Npy.decode(scalar, "scalar").shape());
        assertEquals(2.5, Npy.decode(scalar, "scalar").toTensor().item(), 0.0);

        byte[] cut = Arrays.copyOf(matrix, matrix.length - 4);
        assertMessageContains(assertThrows(ModelFileException.class, () -> Npy.decode(cut, "matrix")),
                "'matrix' is not a valid .npy array", "needs 24 bytes of data. Found: 20");
    }

    private void check(DType dtype, String descr) throws IOException {
        Kiln.setFloatx(dtype);
        var model = new Sequential(Input.of(6, 2), new Conv1D(3, 2), new Dense(1));
        Path path = dir.resolve(dtype.kerasName() + ".kiln");
        model.save(path);
        try (var zip = new ZipFile(path.toFile())) {
            for (Weight w : model.namedWeights()) {
                var entry = zip.getEntry("weights/" + w.path() + ".npy");
                NpyArray array = read(zip.getInputStream(entry).readAllBytes());
                assertEquals(descr, array.descr());
                assertArrayEquals(w.value().shape().dims(), array.shape(), w.path());
                assertArrayEquals(w.value().toDoubleArray(), array.values(), 0.0, w.path());
            }
        }
    }
}
