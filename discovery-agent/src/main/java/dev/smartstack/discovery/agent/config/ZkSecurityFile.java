package dev.smartstack.discovery.agent.config;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * (ext) {@code zk_auth} and {@code zk_tls} as Jackson binds them, the same in
 * {@code nerve.conf.json} and {@code synapse.conf.json}; {@link ZkSecurityLoader} reads the
 * secrets and checks the stores. A {@code password} is bound as a tree so that a value of the
 * wrong type is refused without being quoted in the error.
 */
final class ZkSecurityFile {
    private ZkSecurityFile() {
    }

    /**
     * {@code zk_auth}. {@code digest} is bound as a tree, then onto {@link Digest}: a string there
     * is likely ZooKeeper's own {@code "user:password"} form and must not be quoted in the error.
     */
    record Auth(JsonNode digest, @Rules.OneOf({"open", "creator_all_world_read"}) String acl) {
    }

    /** {@code zk_auth.digest}: one of {@code password}, {@code password_file}, {@code password_env}. */
    record Digest(@Rules.Required @Rules.OneLine String user, JsonNode password, @Rules.OneLine String passwordFile,
            @Rules.OneLine String passwordEnv) {
    }

    /** {@code zk_tls}. */
    record Tls(@Rules.Required Store trustStore, Store keyStore, Boolean hostnameVerification) {
    }

    /** {@code zk_tls.trust_store} and {@code zk_tls.key_store}: at most one of the password keys. */
    record Store(@Rules.Required @Rules.OneLine String path, JsonNode password, @Rules.OneLine String passwordFile,
            @Rules.OneLine String passwordEnv) {
    }
}
