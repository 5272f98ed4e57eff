# The smartstack agent (Nerve and Synapse) with HAProxy, for `manage_process`.
#
#   mvn -B -DskipTests package -pl discovery-agent -am      # builds discovery-agent/target/smartstack.jar
#   docker build -t smartstack-agent .
#   docker run --network host -v /etc/smartstack:/etc/smartstack:ro smartstack-agent \
#       synapse --config /etc/smartstack/synapse.conf.json
#
# BASE_IMAGE is any Debian or Ubuntu image; a JRE 17 is installed unless the base has `java`
# (so eclipse-temurin:17-jre works too). docs/operations.md ("Container image") says more, and
# AgentImageIT builds this file and runs the image.
ARG BASE_IMAGE=debian:bookworm-slim
FROM ${BASE_IMAGE}

# One layer for the packages, which only a new base or this line invalidates. The man directory
# works around openjdk's postinst on slim images, which may have none.
RUN set -eu; \
    packages="haproxy tini"; \
    command -v java >/dev/null 2>&1 || packages="$packages openjdk-17-jre-headless"; \
    mkdir -p /usr/share/man/man1; \
    apt-get update -qq; \
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $packages >/dev/null; \
    apt-get clean; \
    rm -rf /var/lib/apt/lists/*; \
    useradd --system --user-group --home-dir /var/lib/smartstack --no-create-home --shell /usr/sbin/nologin smartstack; \
    install -d -o smartstack -g smartstack /var/lib/smartstack; \
    mkdir -p /etc/smartstack; \
    java -version; haproxy -v; tini --version

LABEL org.opencontainers.image.title="smartstack-agent" \
      org.opencontainers.image.description="SmartStack for the JVM: the smartstack agent (nerve, synapse) with HAProxy"

ENV SMARTSTACK_JAR=/opt/smartstack/smartstack.jar
USER smartstack
WORKDIR /var/lib/smartstack
# tini is PID 1: it forwards SIGTERM and SIGHUP to the agent and reaps what HAProxy leaves behind.
ENTRYPOINT ["/usr/bin/tini", "--", "/opt/smartstack/bin/smartstack"]
CMD ["synapse", "--config", "/etc/smartstack/synapse.conf.json"]

# The files last, the jar at the very end since it changes with every build: a rebuild on a warm
# cache is this one COPY. Owned by root, so the agent cannot change them.
COPY bin/smartstack /opt/smartstack/bin/smartstack
COPY discovery-agent/target/smartstack.jar /opt/smartstack/smartstack.jar
