/**
 * Using a trained model: logits of a token sequence, held-out cross-entropy, and text generation with temperature,
 * top-k and top-p sampling. Everything here runs dropless with the routers in evaluation mode, as MODEL.md asks of
 * eval, score and exports.
 */
package io.sparkmoe.inference;
