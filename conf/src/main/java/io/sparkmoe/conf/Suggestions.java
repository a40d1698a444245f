package io.sparkmoe.conf;

import java.util.Collection;
import java.util.Comparator;
import java.util.Optional;

/** "Did you mean …?" for near misses, by edit distance on whole paths and on their last segments. */
public final class Suggestions {

    private Suggestions() {
    }

    /** The closest candidate, if it is close enough to be a likely typo or a misplaced key. */
    public static Optional<String> closest(String wrong, Collection<String> candidates) {
        return candidates.stream()
                .map(c -> new Scored(c, distance(wrong, c)))
                .filter(s -> s.score <= Math.max(2, Math.min(wrong.length(), s.name.length()) / 3))
                .min(Comparator.comparingInt((Scored s) -> s.score).thenComparing(s -> s.name))
                .map(s -> s.name);
    }

    /** {@code "; did you mean X?"}, or the empty string. */
    public static String didYouMean(String wrong, Collection<String> candidates) {
        return closest(wrong, candidates).map(s -> "; did you mean " + s + "?").orElse("");
    }

    private record Scored(String name, int score) {
    }

    /**
     * Edit distance between two dotted paths: the smaller of the whole-path distance and the distance
     * between last segments plus one (a right key put in the wrong section is still worth naming).
     */
    static int distance(String a, String b) {
        int whole = levenshtein(a, b);
        int tail = levenshtein(lastSegment(a), lastSegment(b)) + 1;
        return Math.min(whole, tail);
    }

    private static String lastSegment(String path) {
        int dot = path.lastIndexOf('.');
        return dot < 0 ? path : path.substring(dot + 1);
    }

    static int levenshtein(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }
}
