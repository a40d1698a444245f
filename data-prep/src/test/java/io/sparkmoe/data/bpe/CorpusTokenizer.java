package io.sparkmoe.data.bpe;

import io.sparkmoe.data.clean.TextCleaner;
import io.sparkmoe.data.corpus.Document;
import io.sparkmoe.data.corpus.EmbeddedCorpus;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** The default corpus and a tokenizer trained on every fourth document of it, shared by the tests of a JVM. */
final class CorpusTokenizer {

    static final List<String> SPECIAL = List.of("<|endoftext|>", "<|pad|>");
    static final List<String> TEXTS = EmbeddedCorpus.documents().stream().map(d -> d.text).toList();
    static final Tokenizer TOKENIZER = train(1024);

    private CorpusTokenizer() {
    }

    static Tokenizer train(int vocabSize) {
        Map<String, Long> words = new HashMap<>();
        for (int i = 0; i < TEXTS.size(); i += 4) {
            WordCounter.count(TextCleaner.normalize(TEXTS.get(i)), words);
        }
        return new BpeTrainer(vocabSize, 2, SPECIAL).train(words);
    }

    static List<Document> documents() {
        return EmbeddedCorpus.documents();
    }
}
