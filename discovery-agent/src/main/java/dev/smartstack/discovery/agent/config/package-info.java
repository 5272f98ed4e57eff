/**
 * Reading Airbnb's SmartStack config files (JSON or YAML) strictly: every key is mapped one to one,
 * and an unknown key, a wrong type or a missing required key is a {@link
 * dev.smartstack.discovery.agent.config.ConfigException} that names the file and the key path.
 */
package dev.smartstack.discovery.agent.config;
