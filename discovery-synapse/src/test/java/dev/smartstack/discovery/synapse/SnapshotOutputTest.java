package dev.smartstack.discovery.synapse;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** {@link SnapshotOutput#outputName()}: the bounded {@code detail} tag of the propagation timer. */
class SnapshotOutputTest {

    @Test
    void outputName_lambdaOrAnonymous_isOutputNotAGeneratedClassName() {
        SnapshotOutput lambda = s -> { };
        SnapshotOutput anonymous = new SnapshotOutput() {
            @Override
            public void update(ServiceSnapshot snapshot) {
            }
        };
        assertThat(lambda.outputName()).isEqualTo("output");
        assertThat(anonymous.outputName()).isEqualTo("output");
    }

    @Test
    void outputName_namedClass_isItsSimpleNameUnlessItSaysOtherwise() {
        assertThat(new RecordingOutput().outputName()).isEqualTo("RecordingOutput");
        assertThat(FileOutput.builder().directory(Path.of("unused")).build().outputName()).isEqualTo("file");
    }
}
