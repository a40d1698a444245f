package io.sparkmoe.data.corpus;

import java.io.Serializable;

/** What reading skipped, for the prepare report: per-document problems under {@code data.bad-documents = skip}. */
public final class ReadCounts implements Serializable {

    private static final long serialVersionUID = 1L;

    public long documents;
    public long invalidUtf8;
    public long invalidJson;

    public ReadCounts add(ReadCounts o) {
        documents += o.documents;
        invalidUtf8 += o.invalidUtf8;
        invalidJson += o.invalidJson;
        return this;
    }
}
