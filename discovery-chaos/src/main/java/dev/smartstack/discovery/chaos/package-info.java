/**
 * The chaos and rolling-restart rig (not published): the real {@code smartstack} agent processes,
 * a managed HAProxy, JDK HTTP backends and a child-JVM ZooKeeper ensemble on 127.0.0.1, driven only
 * through their stable interfaces (config files, signals, ZooKeeper, HAProxy's CLI), with a bounded
 * load generator that counts every request and failure.
 */
package dev.smartstack.discovery.chaos;
