/**
 * Corpus readers, cleaning, the byte-level BPE tokenizer, token shards and their manifest, and document
 * features: plain Java on the Hadoop FileSystem API, with no Spark; the Spark job {@code prepare} only
 * distributes what lives here.
 */
package io.sparkmoe.data;
