package dev.kiln.saving;

import dev.kiln.core.DType;
import dev.kiln.core.Shape;
import dev.kiln.core.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * NumPy's {@code .npy} format, version 1.0 (numpy.lib.format): the magic {@code \x93NUMPY}, the version bytes 1 0,
 * a little-endian uint16 header length, an ASCII Python dict {@code {'descr': '<f4', 'fortran_order': False,
 * 'shape': (16, 1), }} padded with spaces and a final newline so that the data starts at a multiple of 64 bytes,
 * then the values in C (row-major) order. Kiln writes little-endian float32 ({@code <f4}) and float64
 * ({@code <f8}); it reads those and int32/int64 ({@code <i4}, {@code <i8}), and header versions 1.0 to 3.0, so that
 * arrays saved by {@code numpy.save} load too.
 */
final class Npy {

    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    private static final int ALIGNMENT = 64;
    private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'([^']*)'");
    private static final Pattern ORDER = Pattern.compile("'fortran_order'\\s*:\\s*(True|False)");
    private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");

    private Npy() {}

    /** An array read from a .npy file: its dtype, shape and values in row-major order. */
    record Array(DType dtype, Shape shape, double[] values) {

        /** The values as a tensor of this array's dtype (float32 values are exact in the double[]). */
        Tensor toTensor() {
            long[] dims = shape.dims();
            return switch (dtype) {
                case FLOAT32 -> {
                    float[] floats = new float[values.length];
                    for (int i = 0; i < floats.length; i++) floats[i] = (float) values[i];
                    yield Tensor.of(floats, dims);
                }
                case FLOAT64 -> Tensor.of(values, dims);
                case INT32 -> Tensor.of(Arrays.stream(values).mapToInt(v -> (int) v).toArray(), dims);
                case INT64 -> Tensor.of(Arrays.stream(values).mapToLong(v -> (long) v).toArray(), dims);
            };
        }
    }

    /** The .npy bytes of {@code values} (row-major) with this shape, as {@code <f4} or {@code <f8}. */
    static byte[] encode(Shape shape, DType dtype, double[] values) {
        if (!dtype.isFloatingPoint()) throw new IllegalArgumentException("Kiln writes float32 and float64 arrays. Received: " + dtype);
        if (values.length != shape.size()) {
            throw new IllegalArgumentException("An array of shape " + shape + " needs " + shape.size() + " values. Received: " + values.length);
        }
        byte[] header = header(dtype == DType.FLOAT32 ? "<f4" : "<f8", shape);
        int itemSize = dtype == DType.FLOAT32 ? 4 : 8;
        ByteBuffer out = ByteBuffer.allocate(Math.addExact(header.length, Math.multiplyExact(values.length, itemSize)))
                .order(ByteOrder.LITTLE_ENDIAN);
        out.put(header);
        if (dtype == DType.FLOAT32) {
            for (double v : values) out.putFloat((float) v);
        } else {
            for (double v : values) out.putDouble(v);
        }
        return out.array();
    }

    /** The .npy bytes of a tensor's values, in its dtype. */
    static byte[] encode(Tensor tensor) { return encode(tensor.shape(), tensor.dtype(), tensor.toDoubleArray()); }

    /** Magic, version 1.0, header length, then the dict padded with spaces to end on a newline at a multiple of 64. */
    private static byte[] header(String descr, Shape shape) {
        long[] dims = shape.dims();
        String tuple = dims.length == 1 ? "(" + dims[0] + ",)"
                : Arrays.stream(dims).mapToObj(Long::toString).collect(Collectors.joining(", ", "(", ")"));
        String dict = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + tuple + ", }";
        int unpadded = MAGIC.length + 2 + 2 + dict.length() + 1;
        int total = (unpadded + ALIGNMENT - 1) / ALIGNMENT * ALIGNMENT;
        String padded = dict + " ".repeat(total - unpadded) + "\n";
        ByteBuffer out = ByteBuffer.allocate(total).order(ByteOrder.LITTLE_ENDIAN);
        out.put(MAGIC).put((byte) 1).put((byte) 0).putShort((short) padded.length()).put(padded.getBytes(StandardCharsets.US_ASCII));
        return out.array();
    }

    /** Parses .npy bytes; {@code name} names the array in errors. */
    static Array decode(byte[] bytes, String name) {
        ByteBuffer in = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        if (bytes.length < MAGIC.length + 4 || !Arrays.equals(Arrays.copyOf(bytes, MAGIC.length), MAGIC)) {
            throw corrupt(name, "it does not start with the .npy magic \\x93NUMPY");
        }
        in.position(MAGIC.length);
        int major = in.get();
        in.get();
        long headerLength = switch (major) {
            case 1 -> Short.toUnsignedInt(in.getShort());
            case 2, 3 -> bytes.length < 12 ? -1 : Integer.toUnsignedLong(in.getInt());
            default -> throw corrupt(name, "its .npy version " + major + " is not 1, 2 or 3");
        };
        if (headerLength < 0 || in.position() + headerLength > bytes.length) throw corrupt(name, "its header is cut short");
        String header = new String(bytes, in.position(), (int) headerLength,
                major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
        int dataStart = in.position() + (int) headerLength;
        String descr = find(DESCR, header, name);
        if (find(ORDER, header, name).equals("True")) throw corrupt(name, "it is in Fortran order; Kiln reads C-order arrays");
        Shape shape = parseShape(find(SHAPE, header, name), name);
        DType dtype = switch (descr) {
            case "<f4" -> DType.FLOAT32;
            case "<f8" -> DType.FLOAT64;
            case "<i4" -> DType.INT32;
            case "<i8" -> DType.INT64;
            default -> throw corrupt(name, "its dtype '" + descr + "' is not one Kiln reads (<f4, <f8, <i4, <i8)");
        };
        int itemSize = dtype == DType.FLOAT32 || dtype == DType.INT32 ? 4 : 8;
        long count = shape.size();
        long expected = count * itemSize;
        if (bytes.length - dataStart != expected) {
            throw corrupt(name, "its shape " + shape + " of " + descr + " needs " + expected + " bytes of data. Found: " + (bytes.length - dataStart));
        }
        in.position(dataStart);
        double[] values = new double[Math.toIntExact(count)];
        for (int i = 0; i < values.length; i++) {
            values[i] = switch (dtype) {
                case FLOAT32 -> in.getFloat();
                case FLOAT64 -> in.getDouble();
                case INT32 -> in.getInt();
                case INT64 -> in.getLong();
            };
        }
        return new Array(dtype, shape, values);
    }

    private static String find(Pattern pattern, String header, String name) {
        Matcher m = pattern.matcher(header);
        if (!m.find()) throw corrupt(name, "its header " + header.strip() + " has no " + pattern.pattern().split("'")[1]);
        return m.group(1);
    }

    private static Shape parseShape(String tuple, String name) {
        String[] parts = tuple.split(",");
        long[] dims = Arrays.stream(parts).map(String::strip).filter(p -> !p.isEmpty()).mapToLong(p -> {
            try {
                return Long.parseLong(p.endsWith("L") ? p.substring(0, p.length() - 1) : p);
            } catch (NumberFormatException e) {
                throw corrupt(name, "its shape (" + tuple + ") is not a tuple of integers");
            }
        }).toArray();
        if (Arrays.stream(dims).anyMatch(d -> d < 0)) throw corrupt(name, "its shape (" + tuple + ") has a negative dimension");
        return Shape.of(dims);
    }

    private static ModelFileException corrupt(String name, String why) {
        return new ModelFileException("The array '" + name + "' is not a valid .npy array: " + why);
    }
}
