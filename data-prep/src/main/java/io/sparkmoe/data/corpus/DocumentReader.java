package io.sparkmoe.data.corpus;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sparkmoe.data.DataException;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.io.compress.CompressionCodec;
import org.apache.hadoop.io.compress.CompressionCodecFactory;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

/**
 * Reads the documents of one file in one {@link InputFormat}, decompressing through Hadoop's codecs
 * (chosen by file suffix: gzip, bzip2, …). Text must be valid UTF-8; a document that is not (or a JSONL
 * line that is not a JSON object with a string text field) fails the read naming file and line, or, with
 * {@code skipBad}, is skipped and counted. A corrupt compressed stream always fails: the rest of the file
 * is unknowable. Serializable, so a Spark task can carry it.
 */
public final class DocumentReader implements java.io.Serializable {

    private static final long serialVersionUID = 1L;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String textField;
    private final boolean skipBad;

    public DocumentReader(String textField, boolean skipBad) {
        this.textField = textField;
        this.skipBad = skipBad;
    }

    /** Reads {@code file} (a Hadoop path) and passes each document to {@code sink}. */
    public ReadCounts read(Configuration conf, Path file, InputFormat format, Consumer<Document> sink) {
        try {
            FileSystem fs = file.getFileSystem(conf);
            CompressionCodec codec = new CompressionCodecFactory(conf).getCodec(file);
            try (InputStream raw = fs.open(file);
                 InputStream in = codec == null ? raw : codec.createInputStream(raw)) {
                return read(in, file.toString(), format, sink);
            }
        } catch (java.io.FileNotFoundException e) {
            throw new DataException(file + ": no such file", e);
        } catch (IOException e) {
            throw new DataException(file + ": cannot read (" + e.getMessage() + "); is the file complete and"
                    + " its compression matching its name?", e);
        }
    }

    /** Reads documents from an open, decompressed stream; {@code source} names it. */
    public ReadCounts read(InputStream in, String source, InputFormat format, Consumer<Document> sink) throws IOException {
        ReadCounts counts = new ReadCounts();
        if (format == InputFormat.TEXT_FILE) {
            String text = decode(in.readAllBytes(), source, 0, counts);
            if (text != null) {
                emit(sink, counts, new Document(source, 0, text));
            }
            return counts;
        }
        ByteArrayOutputStream line = new ByteArrayOutputStream(4096);
        long lineNo = 0;
        byte[] buf = new byte[1 << 16];
        int n;
        while ((n = in.read(buf)) > 0) {
            int start = 0;
            for (int i = 0; i < n; i++) {
                if (buf[i] == '\n') {
                    line.write(buf, start, i - start);
                    line(line.toByteArray(), source, lineNo++, format, counts, sink);
                    line.reset();
                    start = i + 1;
                }
            }
            line.write(buf, start, n - start);
        }
        if (line.size() > 0) {
            line(line.toByteArray(), source, lineNo, format, counts, sink);
        }
        return counts;
    }

    private void line(byte[] bytes, String source, long lineNo, InputFormat format, ReadCounts counts,
                      Consumer<Document> sink) {
        String text = decode(bytes, source, lineNo, counts);
        if (text == null || text.isBlank()) {
            return;
        }
        if (format == InputFormat.JSONL) {
            text = jsonText(text, source, lineNo, counts);
        } else if (format == InputFormat.EUROPARL) {
            String[] fields = text.split("\t", 3);
            text = fields.length == 3 ? fields[2] : null;
        }
        if (text != null) {
            emit(sink, counts, new Document(source, lineNo, text));
        }
    }

    private String jsonText(String line, String source, long lineNo, ReadCounts counts) {
        String problem;
        try {
            JsonNode node = JSON.readTree(line);
            JsonNode text = node == null ? null : node.get(textField);
            if (text != null && text.isTextual()) {
                return text.asText();
            }
            problem = "no string field '" + textField + "'";
        } catch (IOException e) {
            problem = "not valid JSON (" + e.getMessage().lines().findFirst().orElse("") + ")";
        }
        if (!skipBad) {
            throw new DataException(source + " line " + (lineNo + 1) + ": " + problem
                    + " (data.bad-documents = skip skips such documents)");
        }
        counts.invalidJson++;
        return null;
    }

    private String decode(byte[] bytes, String source, long lineNo, ReadCounts counts) {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            if (!skipBad) {
                throw new DataException(source + " line " + (lineNo + 1) + ": invalid UTF-8"
                        + " (data.bad-documents = skip skips such documents)");
            }
            counts.invalidUtf8++;
            return null;
        }
    }

    private static void emit(Consumer<Document> sink, ReadCounts counts, Document d) {
        counts.documents++;
        sink.accept(d);
    }
}
