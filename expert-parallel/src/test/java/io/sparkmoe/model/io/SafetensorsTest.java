package io.sparkmoe.model.io;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SafetensorsTest {

    private static Map<String, INDArray> sample() {
        Map<String, INDArray> t = new LinkedHashMap<>();
        t.put("b.weight", Nd4j.linspace(1, 6, 6, DataType.FLOAT).reshape(2, 3));
        t.put("a.bias", Nd4j.create(new double[] {0.5, -1.25, 3e-300}, new long[] {3}, DataType.DOUBLE));
        t.put("f.order", Nd4j.linspace(1, 6, 6, DataType.FLOAT).reshape('f', 3, 2));
        t.put("scalar", Nd4j.scalar(2.5f));
        return t;
    }

    @Test
    void roundTripKeepsValuesShapesTypesAndMetadata() {
        Map<String, INDArray> in = sample();
        byte[] bytes = Safetensors.write(in, Map.of("format", "pt", "step", "7"));
        long header = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getLong();
        assertEquals(0, header % 8, "header padded to 8 bytes");
        Safetensors.Contents c = Safetensors.read(bytes, "mem");
        assertEquals(Map.of("format", "pt", "step", "7"), c.metadata());
        assertEquals(java.util.List.of("a.bias", "b.weight", "f.order", "scalar"), java.util.List.copyOf(c.tensors().keySet()));
        for (Map.Entry<String, INDArray> e : in.entrySet()) {
            Safetensors.Tensor t = c.tensor(e.getKey(), "mem");
            INDArray back = t.toArray(e.getValue().dataType());
            assertArrayEquals(e.getValue().shape(), back.shape(), e.getKey());
            assertEquals(e.getValue(), back, e.getKey());
        }
        assertEquals("F64", c.tensor("a.bias", "mem").dtype());
        assertArrayEquals(new double[] {1, 4, 2, 5, 3, 6}, c.tensor("f.order", "mem").doubles(), "row-major on disk");
    }

    @Test
    void halfPrecisionIsWidened() {
        assertEquals(1.0f, Safetensors.halfToFloat((short) 0x3c00));
        assertEquals(-2.0f, Safetensors.halfToFloat((short) 0xc000));
        assertEquals(65504f, Safetensors.halfToFloat((short) 0x7bff));
        assertEquals(0x1p-24f, Safetensors.halfToFloat((short) 0x0001));
        assertTrue(Float.isInfinite(Safetensors.halfToFloat((short) 0x7c00)));
    }

    @Test
    void damagedFilesAreRefusedWithTheSourceNamed() {
        byte[] good = Safetensors.write(sample(), Map.of());
        SafetensorsException truncated = assertThrows(SafetensorsException.class,
                () -> Safetensors.read(Arrays.copyOf(good, good.length - 4), "ckpt/model.safetensors"));
        assertTrue(truncated.getMessage().startsWith("ckpt/model.safetensors: "), truncated.getMessage());
        assertThrows(SafetensorsException.class, () -> Safetensors.read(new byte[3], "x"));
        byte[] hugeHeader = good.clone();
        ByteBuffer.wrap(hugeHeader).order(ByteOrder.LITTLE_ENDIAN).putLong(0, 1L << 40);
        assertTrue(assertThrows(SafetensorsException.class, () -> Safetensors.read(hugeHeader, "x"))
                .getMessage().contains("header length"));
        byte[] notJson = good.clone();
        notJson[8] = '[';
        notJson[9] = '!';
        assertThrows(SafetensorsException.class, () -> Safetensors.read(notJson, "x"));
        byte[] trailing = Arrays.copyOf(good, good.length + 4);
        assertTrue(assertThrows(SafetensorsException.class, () -> Safetensors.read(trailing, "x"))
                .getMessage().contains("trailing"));
        String header = "{\"w\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0,12]}}";
        assertTrue(assertThrows(SafetensorsException.class, () -> Safetensors.read(file(header, 12), "x"))
                .getMessage().contains("expected 16"));
        String dtype = "{\"w\":{\"dtype\":\"C64\",\"shape\":[1],\"data_offsets\":[0,8]}}";
        assertTrue(assertThrows(SafetensorsException.class, () -> Safetensors.read(file(dtype, 8), "x"))
                .getMessage().contains("'w'"));
    }

    private static byte[] file(String header, int dataBytes) {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h);
        return b.array();
    }
}
