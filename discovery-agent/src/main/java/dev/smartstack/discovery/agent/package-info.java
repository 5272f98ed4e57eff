/**
 * The {@code smartstack} daemon: {@code smartstack nerve --config nerve.conf.json} runs Nerve from
 * Airbnb's own config file (JSON or YAML), and {@code smartstack synapse} will run Synapse. The
 * entry point is {@link dev.smartstack.discovery.agent.Main}.
 */
package dev.smartstack.discovery.agent;
