package io.sparkmoe.data.shards;

import io.sparkmoe.data.DataException;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ShardFormatTest {

    @TempDir
    java.nio.file.Path dir;

    @Test
    void headerIsLlmcLayout() {
        byte[] bytes = ShardFormat.encode(new int[]{5, 65535, 7}, 3, ShardFormat.VERSION_UINT16);
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(1024 + 6, bytes.length);
        assertEquals(20240520, b.getInt(0));
        assertEquals(1, b.getInt(4));
        assertEquals(3, b.getInt(8));
        for (int i = 3; i < 256; i++) {
            assertEquals(0, b.getInt(4 * i));
        }
        assertEquals(65535, Short.toUnsignedInt(b.getShort(1024 + 2)));
        assertArrayEquals(new int[]{5, 65535, 7}, ShardFormat.decode(bytes, 65536, "s.bin"));
        assertEquals(ShardFormat.VERSION_UINT32, ShardFormat.versionFor(65537));
        byte[] wide = ShardFormat.encode(new int[]{70000}, 1, ShardFormat.VERSION_UINT32);
        assertArrayEquals(new int[]{70000}, ShardFormat.decode(wide, 70001, "w.bin"));
    }

    @Test
    void damagedShardsAreNamed() {
        byte[] ok = ShardFormat.encode(new int[]{1, 2, 3}, 3, 1);
        String m = assertThrows(DataException.class, () -> ShardFormat.decode(java.util.Arrays.copyOf(ok, ok.length - 1), 10, "s.bin")).getMessage();
        assertTrue(m.startsWith("s.bin: ") && m.contains("truncated"), m);
        byte[] magic = ok.clone();
        magic[0] ^= 1;
        assertTrue(assertThrows(DataException.class, () -> ShardFormat.decode(magic, 10, "s.bin")).getMessage().contains("magic"));
        assertTrue(assertThrows(DataException.class, () -> ShardFormat.decode(ok, 3, "s.bin")).getMessage().contains("outside the vocabulary"));
    }

    @Test
    void writerPacksDocumentsAfterEndOfTextAcrossShards() throws IOException {
        FileSystem fs = FileSystem.getLocal(new Configuration());
        Path out = new Path(dir.toUri());
        ShardWriter w = new ShardWriter(fs, out, "train_p00000", "train", null, 9, 10, 4);
        w.add(new int[]{1, 2});
        w.add(new int[]{3, 4, 5, 6});
        List<ShardEntry> shards = w.finish();
        assertEquals(List.of("train_p00000_000000.bin", "train_p00000_000001.bin"), shards.stream().map(s -> s.path).toList());
        assertEquals(List.of(4L, 4L), shards.stream().map(s -> s.tokens).toList());
        assertEquals(List.of(2L, 0L), shards.stream().map(s -> s.documents).toList());
        assertArrayEquals(new int[]{3, 4, 5, 6}, ShardFormat.decode(Files.readAllBytes(dir.resolve(shards.get(1).path)), 10, "x"));
        assertArrayEquals(new int[]{9, 1, 2, 9}, ShardFormat.decode(Files.readAllBytes(dir.resolve(shards.get(0).path)), 10, "x"));
        try (var files = Files.list(dir)) {
            assertTrue(files.noneMatch(f -> f.getFileName().toString().endsWith(".tmp")), "no temporary file left");
        }
    }

    @Test
    void windowsAreDeterministicPerSeedAndRankAndStayInsideAShard() {
        List<int[]> shards = List.of(new int[]{0, 1, 2, 3, 4, 5}, new int[]{10, 11, 12});
        WindowReader a = new WindowReader(shards, 2, 7, 0);
        WindowReader b = new WindowReader(shards, 2, 7, 0);
        WindowReader c = new WindowReader(shards, 2, 7, 1);
        boolean differs = false;
        for (int i = 0; i < 200; i++) {
            int[] w = a.next();
            assertArrayEquals(w, b.next());
            differs |= !java.util.Arrays.equals(w, c.next());
            assertEquals(3, w.length);
            assertEquals(w[0] + 1, w[1]);
            assertEquals(w[1] + 1, w[2]);
        }
        assertTrue(differs, "another rank reads other windows");
        assertThrows(DataException.class, () -> new WindowReader(shards, 6, 1, 0));
    }

    @Test
    void aReaderThatSeeksToAPositionContinuesTheSameSequence() {
        List<int[]> shards = List.of(new int[]{0, 1, 2, 3, 4, 5, 6, 7}, new int[]{10, 11, 12, 13});
        WindowReader whole = new WindowReader(shards, 2, 7, 3);
        for (int i = 0; i < 37; i++) {
            whole.next();
        }
        assertEquals(37, whole.position());
        WindowReader resumed = new WindowReader(shards, 2, 7, 3);
        resumed.seek(37);
        for (int i = 0; i < 100; i++) {
            assertArrayEquals(whole.next(), resumed.next(), "window " + (37 + i));
        }
        assertEquals(137, resumed.position());
        assertThrows(IllegalArgumentException.class, () -> resumed.seek(-1));
    }

    @Test
    void everyStartPositionIsEquallyLikely() {
        // 4 starts in the first shard (0..3) and 2 in the second (10, 11): six equally likely windows.
        List<int[]> shards = List.of(new int[]{0, 1, 2, 3, 4, 5}, new int[]{10, 11, 12, 13});
        WindowReader r = new WindowReader(shards, 2, 11, 0);
        java.util.Map<Integer, Integer> counts = new java.util.TreeMap<>();
        int draws = 60_000;
        for (int i = 0; i < draws; i++) {
            counts.merge(r.next()[0], 1, Integer::sum);
        }
        assertEquals(java.util.Set.of(0, 1, 2, 3, 10, 11), counts.keySet());
        double chiSquare = 0;
        for (int c : counts.values()) {
            chiSquare += Math.pow(c - draws / 6.0, 2) / (draws / 6.0);
        }
        // 5 degrees of freedom: P(chi2 > 20.5) = 0.001; the draw is fixed by the seed, so this cannot flake.
        assertTrue(chiSquare < 20.5, "chi-square " + chiSquare + " for " + counts);
    }
}
