package io.sparkmoe.conf;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;

class SuggestionsTest {

    @Test
    void levenshteinByHand() {
        assertEquals(0, Suggestions.levenshtein("abc", "abc"));
        assertEquals(3, Suggestions.levenshtein("kitten", "sitting"));
        assertEquals(3, Suggestions.levenshtein("", "abc"));
    }

    @Test
    void suggestsOnlyCloseNames() {
        List<String> names = List.of("model.hidden-size", "model.heads", "train.steps");
        assertEquals(Optional.of("model.heads"), Suggestions.closest("model.head", names));
        assertEquals(Optional.of("train.steps"), Suggestions.closest("steps", names));
        assertEquals(Optional.empty(), Suggestions.closest("completely.different", names));
    }
}
