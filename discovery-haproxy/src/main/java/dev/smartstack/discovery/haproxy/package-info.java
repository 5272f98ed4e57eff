/**
 * The HAProxy output of the {@code SynapseWatcher}: an injection-safe config renderer, validation
 * with {@code haproxy -c}, atomic installs, rate-limited reloads (an operator command or a managed
 * master-worker HAProxy), and live membership changes over the runtime API (stats socket), so that
 * joins and leaves in an existing backend never need a reload. Start with
 * {@link dev.smartstack.discovery.haproxy.HaproxyOutput#builder()}.
 */
package dev.smartstack.discovery.haproxy;
