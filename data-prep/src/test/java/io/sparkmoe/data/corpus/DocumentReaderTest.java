package io.sparkmoe.data.corpus;

import io.sparkmoe.data.DataException;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.io.compress.BZip2Codec;
import org.apache.hadoop.io.compress.CompressionOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.GZIPOutputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DocumentReaderTest {

    static final Configuration CONF = new Configuration();

    @TempDir
    java.nio.file.Path dir;

    List<String> read(java.nio.file.Path file, String format, boolean skip, ReadCounts[] counts) {
        List<String> out = new ArrayList<>();
        Path p = new Path(file.toUri());
        ReadCounts c = new DocumentReader("text", skip).read(CONF, p, InputFormat.resolve(format, p.getName()), d -> out.add(d.text));
        if (counts != null) {
            counts[0] = c;
        }
        return out;
    }

    List<String> read(java.nio.file.Path file, String format) {
        return read(file, format, false, null);
    }

    java.nio.file.Path write(String name, byte[] bytes) throws IOException {
        java.nio.file.Path f = dir.resolve(name);
        Files.createDirectories(f.getParent());
        return Files.write(f, bytes);
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static byte[] gzip(byte[] bytes) throws IOException {
        var buf = new java.io.ByteArrayOutputStream();
        try (OutputStream out = new GZIPOutputStream(buf)) {
            out.write(bytes);
        }
        return buf.toByteArray();
    }

    @Test
    void textFileIsOneDocumentAndTextLinesOnePerLine() throws IOException {
        java.nio.file.Path f = write("a.txt", utf8("first line\nsecond line\n\n"));
        assertEquals(List.of("first line\nsecond line\n\n"), read(f, "auto"));
        assertEquals(List.of("first line", "second line"), read(f, "text-lines"));
    }

    @Test
    void jsonlReadsTheConfiguredField() throws IOException {
        java.nio.file.Path f = write("d.jsonl", utf8("{\"text\": \"héllo\", \"id\": 1}\n{\"text\": \"world\"}\n"));
        assertEquals(List.of("héllo", "world"), read(f, "auto"));
        List<String> out = new ArrayList<>();
        new DocumentReader("id", true).read(CONF, new Path(f.toUri()), InputFormat.JSONL, d -> out.add(d.text));
        assertEquals(List.of(), out, "a number is not a text field");
    }

    @Test
    void gzipAndBzip2AreDecompressedByName() throws IOException {
        java.nio.file.Path gz = write("d.jsonl.gz", gzip(utf8("{\"text\": \"zipped\"}\n")));
        assertEquals(List.of("zipped"), read(gz, "auto"));
        BZip2Codec codec = new BZip2Codec();
        codec.setConf(CONF);
        java.nio.file.Path bz = dir.resolve("t.txt.bz2");
        try (OutputStream raw = Files.newOutputStream(bz); CompressionOutputStream out = codec.createOutputStream(raw)) {
            out.write(utf8("a\nb\n"));
        }
        assertEquals(List.of("a", "b"), read(bz, "text-lines"));
    }

    @Test
    void invalidUtf8FailsNamingFileAndLineOrIsSkippedAndCounted() throws IOException {
        byte[] bad = utf8("good\nbad \u0000\nlast\n");
        bad[5 + 4] = (byte) 0xC3; // a lone lead byte in line 2
        java.nio.file.Path f = write("bad.txt", bad);
        DataException e = assertThrows(DataException.class, () -> read(f, "text-lines"));
        assertTrue(e.getMessage().contains("bad.txt line 2: invalid UTF-8"), e.getMessage());
        ReadCounts[] c = new ReadCounts[1];
        assertEquals(List.of("good", "last"), read(f, "text-lines", true, c));
        assertEquals(1, c[0].invalidUtf8);
        assertEquals(2, c[0].documents);
    }

    @Test
    void badJsonFailsNamingTheLineOrIsSkipped() throws IOException {
        java.nio.file.Path f = write("x.jsonl", utf8("{\"text\": \"ok\"}\n{not json\n{\"body\": \"no text\"}\n"));
        DataException e = assertThrows(DataException.class, () -> read(f, "auto"));
        assertTrue(e.getMessage().contains("x.jsonl line 2: not valid JSON"), e.getMessage());
        ReadCounts[] c = new ReadCounts[1];
        assertEquals(List.of("ok"), read(f, "auto", true, c));
        assertEquals(2, c[0].invalidJson);
    }

    @Test
    void aCorruptGzipMemberFailsNamingTheFile() throws IOException {
        byte[] gz = gzip(utf8("some text that is long enough to compress\n".repeat(200)));
        byte[] corrupt = Arrays.copyOf(gz, gz.length);
        for (int i = 20; i < 40; i++) {
            corrupt[i] ^= 0x5A;
        }
        java.nio.file.Path f = write("c.txt.gz", corrupt);
        DataException e = assertThrows(DataException.class, () -> read(f, "text-lines"));
        assertTrue(e.getMessage().startsWith(new Path(f.toUri()) + ": cannot read"), e.getMessage());
        java.nio.file.Path t = write("t.txt.gz", Arrays.copyOf(gz, gz.length / 2));
        assertThrows(DataException.class, () -> read(t, "text-lines"), "a truncated member too");
    }

    @Test
    void directoriesAndGlobsExpandToSortedVisibleFiles() throws IOException {
        write("in/b.txt", utf8("b"));
        write("in/a/c.txt", utf8("c"));
        write("in/_SUCCESS", utf8(""));
        write("in/.hidden", utf8("h"));
        List<String> all = InputFiles.list(CONF, dir.resolve("in").toUri().toString());
        assertEquals(2, all.size());
        assertTrue(all.get(0).endsWith("in/a/c.txt") && all.get(1).endsWith("in/b.txt"), all.toString());
        assertEquals(1, InputFiles.list(CONF, dir.resolve("in").toUri() + "/*.txt").size());
    }

    @Test
    void aMissingPathOrAnEmptyDirectoryIsAnError() throws IOException {
        String missing = dir.resolve("nope").toUri().toString();
        DataException e = assertThrows(DataException.class, () -> InputFiles.list(CONF, missing));
        assertTrue(e.getMessage().contains("nope") && e.getMessage().contains("no such file"), e.getMessage());
        Files.createDirectories(dir.resolve("empty"));
        e = assertThrows(DataException.class, () -> InputFiles.list(CONF, dir.resolve("empty").toUri().toString()));
        assertTrue(e.getMessage().contains("no input files"), e.getMessage());
    }

    @Test
    void theEmbeddedCorpusIsTheWholeEuroparlSample() {
        List<Document> docs = EmbeddedCorpus.documents();
        assertTrue(docs.size() > 17_500, "documents: " + docs.size());
        assertTrue(docs.stream().noneMatch(d -> d.text.contains("\t")), "only the body of each line");
    }
}
