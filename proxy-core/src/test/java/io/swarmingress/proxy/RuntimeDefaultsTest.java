package io.swarmingress.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Properties;

import org.junit.jupiter.api.Test;

class RuntimeDefaultsTest {
    @Test
    void withoutACommandLineSettingNettysJfrEventsAreOffAndLeakDetectionKeepsNettysDefault() {
        Properties p = new Properties();

        RuntimeDefaults.apply(p);

        assertThat(p.getProperty("io.netty.jfr.enabled")).isEqualTo("false");
        assertThat(p.getProperty("io.netty.leakDetection.level")).as("Netty's own default: sampled reports").isNull();
    }

    @Test
    void whatTheCommandLineSetStays() {
        Properties p = new Properties();
        p.setProperty("io.netty.leakDetection.level", "paranoid");
        p.setProperty("io.netty.jfr.enabled", "true");

        RuntimeDefaults.apply(p);

        assertThat(p.getProperty("io.netty.leakDetection.level")).isEqualTo("paranoid");
        assertThat(p.getProperty("io.netty.jfr.enabled")).isEqualTo("true");
    }
}
