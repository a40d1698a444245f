package io.sparkmoe.jobs.prepare;

import io.sparkmoe.data.clean.CleanCounts;
import io.sparkmoe.data.corpus.ReadCounts;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.util.LongAccumulator;

import java.io.Serializable;

/**
 * The per-document counts of reading and cleaning, summed across tasks with Spark accumulators (read on
 * the driver only after the action that fills them has run once).
 */
final class PrepareCounters implements Serializable {

    private static final long serialVersionUID = 1L;

    final LongAccumulator documents;
    final LongAccumulator invalidUtf8;
    final LongAccumulator invalidJson;
    final LongAccumulator kept;
    final LongAccumulator tooShort;
    final LongAccumulator tooLong;

    PrepareCounters(JavaSparkContext sc) {
        documents = sc.sc().longAccumulator("documents read");
        invalidUtf8 = sc.sc().longAccumulator("skipped: invalid UTF-8");
        invalidJson = sc.sc().longAccumulator("skipped: invalid JSON");
        kept = sc.sc().longAccumulator("kept by cleaning");
        tooShort = sc.sc().longAccumulator("dropped: too short");
        tooLong = sc.sc().longAccumulator("dropped: too long");
    }

    void add(ReadCounts r) {
        documents.add(r.documents);
        invalidUtf8.add(r.invalidUtf8);
        invalidJson.add(r.invalidJson);
    }

    void add(CleanCounts c) {
        kept.add(c.kept);
        tooShort.add(c.tooShort);
        tooLong.add(c.tooLong);
    }

    ReadCounts read() {
        ReadCounts r = new ReadCounts();
        r.documents = documents.value();
        r.invalidUtf8 = invalidUtf8.value();
        r.invalidJson = invalidJson.value();
        return r;
    }

    CleanCounts clean() {
        CleanCounts c = new CleanCounts();
        c.kept = kept.value();
        c.tooShort = tooShort.value();
        c.tooLong = tooLong.value();
        return c;
    }
}
