package io.sparkmoe.jobs;

import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A rough language label for a Europarl document, for measuring cluster purity in tests only: Greek and
 * Cyrillic by script, the other 19 languages by which short list of frequent function words occurs most.
 * Returns {@code null} when nothing matches.
 */
final class LanguageGuess {

    static final Map<String, List<String>> WORDS = Map.ofEntries(
            Map.entry("en", List.of("the", "and", "of", "is", "that", "which")),
            Map.entry("de", List.of("der", "die", "und", "das", "nicht", "ist")),
            Map.entry("fr", List.of("les", "est", "dans", "pour", "une", "nous")),
            Map.entry("es", List.of("los", "las", "del", "para", "pero", "también")),
            Map.entry("it", List.of("che", "della", "sono", "anche", "questo", "gli")),
            Map.entry("pt", List.of("não", "uma", "também", "são", "os", "pelo")),
            Map.entry("nl", List.of("het", "een", "van", "niet", "zijn", "wij")),
            Map.entry("sv", List.of("och", "är", "att", "inte", "som", "för")),
            Map.entry("da", List.of("og", "ikke", "til", "af", "er", "vi")),
            Map.entry("fi", List.of("ja", "että", "myös", "ovat", "tämä", "ei")),
            Map.entry("et", List.of("ning", "see", "ka", "oma", "mis", "kui")),
            Map.entry("pl", List.of("się", "że", "jest", "nie", "są", "oraz")),
            Map.entry("cs", List.of("je", "že", "které", "také", "jsou", "pro")),
            Map.entry("sk", List.of("sa", "aby", "ktoré", "tak", "sú", "pre")),
            Map.entry("sl", List.of("in", "da", "tudi", "ki", "so", "za")),
            Map.entry("hu", List.of("az", "és", "hogy", "nem", "egy", "is")),
            Map.entry("ro", List.of("și", "în", "că", "este", "pentru", "sunt")),
            Map.entry("lt", List.of("ir", "kad", "yra", "tai", "buvo", "bet")),
            Map.entry("lv", List.of("un", "ir", "ka", "par", "uz", "arī")));

    private LanguageGuess() {
    }

    static String of(String text) {
        int greek = 0;
        int cyrillic = 0;
        int letters = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (Character.isLetter(c)) {
                letters++;
                Character.UnicodeScript s = Character.UnicodeScript.of(c);
                greek += s == Character.UnicodeScript.GREEK ? 1 : 0;
                cyrillic += s == Character.UnicodeScript.CYRILLIC ? 1 : 0;
            }
        }
        if (greek * 2 > letters) {
            return "el";
        }
        if (cyrillic * 2 > letters) {
            return "bg";
        }
        Map<String, Integer> words = new HashMap<>();
        for (String w : text.toLowerCase(Locale.ROOT).split("[^\\p{L}]+")) {
            words.merge(w, 1, Integer::sum);
        }
        String best = null;
        int bestScore = 0;
        for (Map.Entry<String, List<String>> e : WORDS.entrySet()) {
            int score = e.getValue().stream().mapToInt(w -> words.getOrDefault(w, 0)).sum();
            if (score > bestScore || (score == bestScore && best != null && e.getKey().compareTo(best) < 0 && score > 0)) {
                bestScore = score;
                best = e.getKey();
            }
        }
        return best;
    }
}
