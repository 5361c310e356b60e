package io.vigil.api.model;

/**
 * How an engine runs a session.
 *
 * @param intraOpThreads threads one operator may use; 1 suits a gateway, where cores are few and shared
 * @param interOpThreads threads running independent operators in parallel; 1 runs the graph sequentially
 * @param optimizeGraph whether the engine may rewrite the graph for speed when loading it
 */
public record SessionOptions(int intraOpThreads, int interOpThreads, boolean optimizeGraph) {

    /** One thread, graph optimisation on. */
    public static final SessionOptions GATEWAY = new SessionOptions(1, 1, true);

    public SessionOptions {
        if (intraOpThreads < 1 || interOpThreads < 1) {
            throw new IllegalArgumentException("thread counts must be >= 1, got intra-op " + intraOpThreads
                    + " and inter-op " + interOpThreads);
        }
    }
}
