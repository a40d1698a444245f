package io.sparkmoe.data.shards;

import io.sparkmoe.data.DataException;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;

/**
 * Whole-file reads and atomic writes on any Hadoop file system. A write goes to a hidden temporary name
 * ({@code .name.tmp}, which readers and {@code InputFiles} ignore) and is renamed into place, so a reader
 * never sees half a file. Hadoop's rename does not replace, so an existing target is deleted first: for the
 * outputs that matter the manifest is what makes them current, and it is written last.
 */
public final class HadoopFiles {

    private HadoopFiles() {
    }

    public static void writeAtomically(FileSystem fs, Path target, byte[] bytes) {
        Path tmp = new Path(target.getParent(), "." + target.getName() + ".tmp");
        try {
            try (FSDataOutputStream out = fs.create(tmp, true)) {
                out.write(bytes);
            }
            if (fs.exists(target)) {
                fs.delete(target, false);
            }
            if (!fs.rename(tmp, target)) {
                throw new IOException("rename from " + tmp + " failed");
            }
        } catch (IOException e) {
            throw new DataException(target + ": cannot write (" + e.getMessage() + ")", e);
        }
    }

    public static byte[] readAll(FileSystem fs, Path file) {
        try (InputStream in = fs.open(file)) {
            return in.readAllBytes();
        } catch (FileNotFoundException e) {
            throw new DataException(file + ": missing", e);
        } catch (IOException e) {
            throw new DataException(file + ": cannot read (" + e.getMessage() + ")", e);
        }
    }
}
