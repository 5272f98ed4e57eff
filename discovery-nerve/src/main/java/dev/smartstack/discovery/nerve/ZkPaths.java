package dev.smartstack.discovery.nerve;

import dev.smartstack.discovery.core.Validation;

/** The check of a service's {@code zkPath}. */
final class ZkPaths {
    private ZkPaths() {
    }

    /** Whether {@code path} is an absolute ZooKeeper path without empty, {@code .} or {@code ..} parts. */
    static boolean isValid(String path) {
        if (!path.startsWith("/") || Validation.hasControlCharacter(path)) {
            return false;
        }
        if (path.equals("/")) {
            return true;
        }
        if (path.endsWith("/") || path.contains("//")) {
            return false;
        }
        for (String part : path.substring(1).split("/")) {
            if (part.equals(".") || part.equals("..")) {
                return false;
            }
        }
        return true;
    }
}
