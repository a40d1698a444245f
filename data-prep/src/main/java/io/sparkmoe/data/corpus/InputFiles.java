package io.sparkmoe.data.corpus;

import io.sparkmoe.data.DataException;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RemoteIterator;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Expands {@code data.input} (a file, a directory, or a glob, on any Hadoop file system) into the sorted
 * list of files to read. Directories are walked recursively; names starting with {@code .} or {@code _}
 * (Hadoop's hidden and marker files, e.g. {@code _SUCCESS}) are skipped. A path that matches nothing, or
 * matches only empty directories, is an error naming it.
 */
public final class InputFiles {

    private InputFiles() {
    }

    public static List<String> list(Configuration conf, String input) {
        Path pattern = new Path(input);
        List<String> files = new ArrayList<>();
        try {
            FileSystem fs = pattern.getFileSystem(conf);
            FileStatus[] matches = fs.globStatus(pattern);
            if (matches == null || matches.length == 0) {
                throw new DataException(input + ": no such file or directory (data.input)");
            }
            for (FileStatus m : matches) {
                if (m.isDirectory()) {
                    RemoteIterator<LocatedFileStatus> it = fs.listFiles(m.getPath(), true);
                    while (it.hasNext()) {
                        Path p = it.next().getPath();
                        if (!hidden(p, m.getPath())) {
                            files.add(p.toString());
                        }
                    }
                } else if (!hidden(m.getPath(), m.getPath().getParent())) {
                    files.add(m.getPath().toString());
                }
            }
        } catch (IOException e) {
            throw new DataException(input + ": cannot list (" + e.getMessage() + ")", e);
        }
        if (files.isEmpty()) {
            throw new DataException(input + ": no input files (directories are empty or hold only hidden files)");
        }
        files.sort(null);
        return files;
    }

    private static boolean hidden(Path file, Path root) {
        for (Path p = file; p != null && !p.equals(root); p = p.getParent()) {
            String name = p.getName();
            if (name.startsWith(".") || name.startsWith("_")) {
                return true;
            }
        }
        return false;
    }
}
