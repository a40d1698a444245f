package io.sparkmoe.model.io;

import java.nio.file.Path;
import java.util.Optional;

import io.sparkmoe.model.MoeTransformer;

/**
 * A model read from a directory, ready for inference (float32, dropless, routers in evaluation mode).
 *
 * @param dir       where it was read from
 * @param layout    the layout it was in
 * @param config    its configuration as native fields
 * @param model     the model with the directory's weights
 * @param tokenizer the directory's {@code tokenizer.json}, if it has one
 */
public record LoadedModel(Path dir, ExportLayout layout, NativeConfig config, MoeTransformer model,
                          Optional<byte[]> tokenizer) {
}
