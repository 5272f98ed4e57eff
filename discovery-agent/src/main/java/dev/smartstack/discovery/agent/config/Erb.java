package dev.smartstack.discovery.agent.config;

import dev.smartstack.discovery.core.Validation;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The part of ERB that Synapse config files use: {@code <%= ENV['NAME'] %>} (or with double
 * quotes), which is empty when NAME is unset, as in Ruby, and {@code <%= ENV.fetch('NAME',
 * 'default') %>} and {@code <%= ENV.fetch('NAME') %>}, which is an error when NAME is unset. Any
 * other template code is refused, naming the construct and its line; {@code <%# comment %>}
 * renders nothing and {@code <%%} stands for a literal {@code <%}, as in ERB.
 */
final class Erb {
    private static final Pattern TAG = Pattern.compile("<%(%|[=#-]?)(.*?)-?%>", Pattern.DOTALL);
    private static final String NAME = "\\s*(?:'([^'\\\\]*)'|\"([^\"\\\\]*)\")\\s*";
    private static final Pattern ENV = Pattern.compile("\\s*ENV\\s*\\[" + NAME + "\\]\\s*");
    private static final Pattern FETCH = Pattern.compile("\\s*ENV\\.fetch\\s*\\(" + NAME + "(?:," + NAME + ")?\\)\\s*");

    private Erb() {
    }

    /**
     * The text with its ERB tags replaced.
     *
     * @throws ConfigException naming {@code file} and the line of an unsupported tag or unset variable
     */
    static String render(String text, Map<String, String> env, String file) {
        if (!text.contains("<%")) {
            return text;
        }
        Matcher m = TAG.matcher(text);
        StringBuilder out = new StringBuilder();
        int last = 0;
        while (m.find()) {
            out.append(text, last, m.start());
            last = m.end();
            String line = "line " + (text.substring(0, m.start()).chars().filter(c -> c == '\n').count() + 1);
            if (m.group(1).equals("%")) {
                out.append("<%").append(m.group(2)).append("%>");
                continue;
            }
            if (m.group(1).equals("#")) {
                continue; // an ERB comment renders nothing
            }
            if (!m.group(1).equals("=")) {
                throw new ConfigException(file, "", line + ": ERB " + Validation.quote(m.group()) + " is not supported"
                        + " (only <%= ENV['NAME'] %> and <%= ENV.fetch('NAME', 'default') %> are)");
            }
            out.append(value(m.group(2), m.group(), env, file, line));
        }
        int open = text.indexOf("<%", last);
        if (open >= 0) {
            throw new ConfigException(file, "", "ERB tag opened with <% but never closed with %>");
        }
        out.append(text, last, text.length());
        return out.toString();
    }

    private static String value(String code, String tag, Map<String, String> env, String file, String line) {
        Matcher e = ENV.matcher(code);
        if (e.matches()) {
            String v = env.get(name(e, 1));
            return v == null ? "" : v;
        }
        Matcher f = FETCH.matcher(code);
        if (f.matches()) {
            String name = name(f, 1);
            String v = env.get(name);
            if (v != null) {
                return v;
            }
            if (f.group(3) != null || f.group(4) != null) {
                return name(f, 3);
            }
            throw new ConfigException(file, "", line + ": ERB " + Validation.quote(tag) + ": the environment variable "
                    + name + " is not set");
        }
        throw new ConfigException(file, "", line + ": ERB " + Validation.quote(tag) + " is not supported"
                + " (only <%= ENV['NAME'] %> and <%= ENV.fetch('NAME', 'default') %> are)");
    }

    private static String name(Matcher m, int group) {
        return m.group(group) != null ? m.group(group) : m.group(group + 1);
    }
}
