package io.sparkmoe.routing.scores;

/**
 * Router logits s [N, E] of one call, row-major in a plain array (copied once out of ND4J so that per-token
 * loops run on Java arrays), with whatever the score function saved for its backward.
 *
 * @param values  s, length N·E
 * @param tokens  N
 * @param experts E
 * @param saved   score-function specific state for backward (may be null)
 */
public record Scores(double[] values, int tokens, int experts, Object saved) {
}
