package io.sparkmoe.data.clean;

import java.io.Serializable;

/** Documents kept and dropped by cleaning, for the prepare report. */
public final class CleanCounts implements Serializable {

    private static final long serialVersionUID = 1L;

    public long kept;
    public long tooShort;
    public long tooLong;

    public CleanCounts add(CleanCounts o) {
        kept += o.kept;
        tooShort += o.tooShort;
        tooLong += o.tooLong;
        return this;
    }
}
