package io.sparkmoe.model.io;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The safetensors format (Hugging Face): an 8-byte little-endian header length, a JSON header mapping each tensor
 * name to {@code {"dtype", "shape", "data_offsets": [begin, end]}} (offsets relative to the data that follows) plus an
 * optional {@code "__metadata__"} map of strings, then the tensors' little-endian row-major bytes. It is what PyTorch,
 * Hugging Face and the reference read, it can be checked without trusting its contents (every offset and size is
 * validated), and it needs no code execution to load, unlike pickles.
 *
 * <p>Writing puts tensors in name order (as the Rust and Python writers do), pads the header with spaces to a multiple
 * of 8 bytes so that the data is aligned, and stores {@code F32} or {@code F64} as the array's type says. Reading
 * accepts {@code F32}, {@code F64}, {@code F16}/{@code BF16} (widened) and the integer types, and names the source and
 * tensor in every error.
 */
public final class Safetensors {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String METADATA = "__metadata__";
    /** A header larger than this is refused: real headers are kilobytes, so a huge one means a damaged file. */
    static final long MAX_HEADER = 100L << 20;

    private Safetensors() {
    }

    /** One tensor as read: its type, shape and raw little-endian bytes. */
    public record Tensor(String dtype, long[] shape, ByteBuffer data) {

        public long length() {
            return Arrays.stream(shape).reduce(1, (a, b) -> a * b);
        }

        /** The values as doubles, row-major, whatever the stored type. */
        public double[] doubles() {
            int n = Math.toIntExact(length());
            double[] out = new double[n];
            ByteBuffer b = data.duplicate().order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < n; i++) {
                out[i] = switch (dtype) {
                    case "F64" -> b.getDouble();
                    case "F32" -> b.getFloat();
                    case "F16" -> halfToFloat(b.getShort());
                    case "BF16" -> Float.intBitsToFloat((b.getShort() & 0xffff) << 16);
                    case "I64" -> b.getLong();
                    case "I32" -> b.getInt();
                    case "I16" -> b.getShort();
                    case "I8" -> b.get();
                    case "U8", "BOOL" -> b.get() & 0xff;
                    default -> throw new IllegalStateException(dtype);
                };
            }
            return out;
        }

        /** An ND4J array of this tensor's shape in the given type (a scalar for shape {@code []}). */
        public INDArray toArray(DataType type) {
            if (type == DataType.FLOAT && dtype.equals("F32")) {
                float[] f = new float[Math.toIntExact(length())];
                data.duplicate().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(f);
                return shape.length == 0 ? Nd4j.scalar(f[0]) : Nd4j.create(f, shape, 'c');
            }
            double[] d = doubles();
            INDArray a = shape.length == 0 ? Nd4j.scalar(d[0]) : Nd4j.create(d, shape, 'c');
            return a.castTo(type);
        }
    }

    /** A file's tensors (in file order) and metadata. */
    public record Contents(Map<String, Tensor> tensors, Map<String, String> metadata) {

        public Tensor tensor(String name, String source) {
            Tensor t = tensors.get(name);
            if (t == null) {
                throw new SafetensorsException(source + ": no tensor '" + name + "'");
            }
            return t;
        }
    }

    /** Encodes tensors (float32 or float64, any order 'c' or 'f') with optional string metadata. */
    public static byte[] write(Map<String, INDArray> tensors, Map<String, String> metadata) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            write(tensors, metadata, out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);   // a byte array stream does not fail
        }
        return out.toByteArray();
    }

    /**
     * Streams the same bytes as {@link #write(Map, Map)} to {@code out}, one tensor at a time, so that a large model
     * (a checkpoint's optimizer file is twice the model) never needs its whole file in memory.
     */
    public static void write(Map<String, INDArray> tensors, Map<String, String> metadata, OutputStream out)
            throws IOException {
        Map<String, INDArray> sorted = new TreeMap<>(tensors);
        ObjectNode header = JSON.createObjectNode();
        if (!metadata.isEmpty()) {
            ObjectNode meta = header.putObject(METADATA);
            new TreeMap<>(metadata).forEach(meta::put);
        }
        long offset = 0;
        for (Map.Entry<String, INDArray> e : sorted.entrySet()) {
            INDArray a = e.getValue();
            int width = width(e.getKey(), a.dataType());
            ObjectNode t = header.putObject(e.getKey());
            t.put("dtype", a.dataType() == DataType.DOUBLE ? "F64" : "F32");
            ArrayNode shape = t.putArray("shape");
            for (long s : a.shape()) {
                shape.add(s);
            }
            long end = offset + a.length() * width;
            t.putArray("data_offsets").add(offset).add(end);
            offset = end;
        }
        byte[] json = toBytes(header);
        int padded = (json.length + 7) / 8 * 8;
        ByteBuffer head = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
        head.putLong(padded);
        head.put(json);
        while (head.hasRemaining()) {
            head.put((byte) ' ');
        }
        out.write(head.array());
        for (INDArray a : sorted.values()) {
            out.write(littleEndian(a));
        }
    }

    /** A tensor's row-major values as little-endian bytes (bulk copies, not a loop per value). */
    private static byte[] littleEndian(INDArray a) {
        INDArray c = a.dup('c');
        int n = Math.toIntExact(c.length());
        ByteBuffer b = ByteBuffer.allocate(n * (c.dataType() == DataType.DOUBLE ? 8 : 4)).order(ByteOrder.LITTLE_ENDIAN);
        if (c.dataType() == DataType.DOUBLE) {
            b.asDoubleBuffer().put(c.data().asDouble(), 0, n);
        } else {
            b.asFloatBuffer().put(c.data().asFloat(), 0, n);
        }
        return b.array();
    }

    /** Decodes and validates a whole file; {@code source} (a path) names it in errors. */
    public static Contents read(byte[] bytes, String source) {
        if (bytes.length < 8) {
            throw new SafetensorsException(source + ": " + bytes.length + " bytes, too short for a safetensors file");
        }
        ByteBuffer in = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        long headerLength = in.getLong();
        if (headerLength <= 0 || headerLength > MAX_HEADER || headerLength > bytes.length - 8) {
            throw new SafetensorsException(source + ": header length " + headerLength + " does not fit a file of "
                    + bytes.length + " bytes; not a safetensors file or truncated");
        }
        JsonNode header;
        try {
            header = JSON.readTree(new String(bytes, 8, (int) headerLength, StandardCharsets.UTF_8));
        } catch (JsonProcessingException e) {
            throw new SafetensorsException(source + ": header is not JSON (" + e.getOriginalMessage() + ")", e);
        }
        if (header == null || !header.isObject()) {
            throw new SafetensorsException(source + ": header is not a JSON object");
        }
        int dataStart = (int) (8 + headerLength);
        long dataLength = bytes.length - dataStart;
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        Map<String, String> metadata = new LinkedHashMap<>();
        long covered = 0;
        for (Iterator<Map.Entry<String, JsonNode>> it = header.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String name = e.getKey();
            if (name.equals(METADATA)) {
                e.getValue().fields().forEachRemaining(m -> metadata.put(m.getKey(), m.getValue().asText()));
                continue;
            }
            JsonNode t = e.getValue();
            String where = source + ": tensor '" + name + "'";
            String dtype = t.path("dtype").asText("");
            int width = switch (dtype) {
                case "F64", "I64" -> 8;
                case "F32", "I32" -> 4;
                case "F16", "BF16", "I16" -> 2;
                case "I8", "U8", "BOOL" -> 1;
                default -> throw new SafetensorsException(where + ": unsupported dtype '" + dtype + "'");
            };
            JsonNode shapeNode = t.path("shape");
            JsonNode offsets = t.path("data_offsets");
            if (!shapeNode.isArray() || !offsets.isArray() || offsets.size() != 2) {
                throw new SafetensorsException(where + ": needs a 'shape' array and two 'data_offsets'");
            }
            long[] shape = new long[shapeNode.size()];
            long count = 1;
            for (int i = 0; i < shape.length; i++) {
                shape[i] = shapeNode.get(i).asLong(-1);
                if (shape[i] < 0) {
                    throw new SafetensorsException(where + ": negative or non-numeric shape " + shapeNode);
                }
                count *= shape[i];
            }
            long begin = offsets.get(0).asLong(-1);
            long end = offsets.get(1).asLong(-1);
            if (begin < 0 || end < begin || end > dataLength) {
                throw new SafetensorsException(where + ": data_offsets " + offsets + " outside the "
                        + dataLength + " data bytes (truncated file?)");
            }
            if (end - begin != count * width) {
                throw new SafetensorsException(where + ": " + (end - begin) + " bytes for shape "
                        + Arrays.toString(shape) + " of " + dtype + ", expected " + count * width);
            }
            covered += end - begin;
            ByteBuffer data = ByteBuffer.wrap(bytes, (int) (dataStart + begin), (int) (end - begin)).slice();
            tensors.put(name, new Tensor(dtype, shape, data));
        }
        if (covered != dataLength) {
            throw new SafetensorsException(source + ": tensors cover " + covered + " of " + dataLength
                    + " data bytes; the file is damaged or has trailing bytes");
        }
        return new Contents(Collections.unmodifiableMap(tensors), Collections.unmodifiableMap(metadata));
    }

    /** IEEE 754 binary16 to float (Java 17 has no {@code Float.float16ToFloat}). */
    static float halfToFloat(short h) {
        int sign = (h & 0x8000) << 16;
        int exp = (h >>> 10) & 0x1f;
        int mant = h & 0x3ff;
        if (exp == 0x1f) {
            return Float.intBitsToFloat(sign | 0x7f800000 | (mant << 13));
        }
        if (exp == 0) {
            float v = mant * 0x1p-24f;
            return sign == 0 ? v : -v;
        }
        return Float.intBitsToFloat(sign | ((exp + 112) << 23) | (mant << 13));
    }

    private static int width(String name, DataType type) {
        if (type == DataType.DOUBLE) {
            return 8;
        }
        if (type == DataType.FLOAT) {
            return 4;
        }
        throw new IllegalArgumentException(name + ": cannot write " + type + " (float32 or float64 only)");
    }

    private static byte[] toBytes(ObjectNode header) {
        try {
            return JSON.writeValueAsBytes(header);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
