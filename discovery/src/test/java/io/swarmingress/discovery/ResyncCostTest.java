package io.swarmingress.discovery;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.swarmingress.config.SwarmProviderConfig;
import io.swarmingress.discovery.SwarmService.SwarmTask;

/**
 * The CPU cost of one full resync of a large swarm: 1,000 labelled services with 10 running tasks
 * each, from generated Engine API answers shaped like the real ones (task JSON with spec,
 * resources, container status and the full network spec in each attachment, about 2 KB a task).
 * Measures parsing both answers and building the snapshot, on this thread, with ThreadMXBean.
 * Reported, not asserted tightly: timings depend on the machine.
 */
class ResyncCostTest {
    private static final int SERVICES = 1000;
    private static final int TASKS = 10;

    @Test
    void aResyncOfAThousandServicesWithTenTasksEach() throws Exception {
        byte[] services = servicesJson().getBytes(StandardCharsets.UTF_8);
        byte[] tasks = tasksJson().getBytes(StandardCharsets.UTF_8);
        SwarmProviderConfig provider = SwarmProviderConfig.of(List.of()).withNetwork("appnet").withEntrypoint("web");
        SnapshotBuilder builder = new SnapshotBuilder(provider, List.of());
        ThreadMXBean cpu = ManagementFactory.getThreadMXBean();

        int rounds = 30;
        long[] total = new long[rounds];
        long[] buildOnly = new long[rounds];
        long[] servicesOnly = new long[rounds];
        DiscoverySnapshot snapshot = null;
        for (int i = 0; i < rounds; i++) {
            long t0 = cpu.getCurrentThreadCpuTime();
            List<SwarmService> all = SwarmJson.services(new ByteArrayInputStream(services), 1);
            servicesOnly[i] = cpu.getCurrentThreadCpuTime() - t0;
            Map<String, List<SwarmTask>> byService = SwarmJson.tasksByService(new ByteArrayInputStream(tasks));
            List<SwarmService> routed = new ArrayList<>(all.size());
            for (SwarmService s : all) {
                if (builder.relevant(s)) {
                    routed.add(s.withTasks(byService.getOrDefault(s.id(), List.of()), 1));
                }
            }
            long t1 = cpu.getCurrentThreadCpuTime();
            snapshot = builder.build(routed, Instant.now());
            long t2 = cpu.getCurrentThreadCpuTime();
            total[i] = t2 - t0;
            buildOnly[i] = t2 - t1;
        }
        assertThat(snapshot.endpoints()).hasSize(SERVICES);
        assertThat(snapshot.endpoints().values()).allSatisfy(e -> assertThat(e).hasSize(TASKS));
        assertThat(snapshot.routes()).hasSize(SERVICES);
        assertThat(snapshot.warnings()).isEmpty();

        // the first rounds include JIT compilation; report the steady state and the cold start
        long[] warm = Arrays.copyOfRange(total, 10, rounds);
        long[] warmBuild = Arrays.copyOfRange(buildOnly, 10, rounds);
        Arrays.sort(warm);
        Arrays.sort(warmBuild);
        long[] warmServices = Arrays.copyOfRange(servicesOnly, 10, rounds);
        Arrays.sort(warmServices);
        System.out.printf("RESYNC_COST %d services x %d tasks (tasks JSON %.1f MB, services JSON %.1f MB): "
                        + "parse+build CPU median %.1f ms, min %.1f ms (first, cold: %.1f ms); "
                        + "of which services JSON %.1f ms, snapshot build %.1f ms (medians)%n",
                SERVICES, TASKS, tasks.length / 1e6, services.length / 1e6, warm[warm.length / 2] / 1e6, warm[0] / 1e6,
                total[0] / 1e6, warmServices[warmServices.length / 2] / 1e6, warmBuild[warmBuild.length / 2] / 1e6);
        assertThat(warm[warm.length / 2] / 1e6).as("resync CPU ms (a loose bound; the target is well under 100)")
                .isLessThan(1000);
    }

    private static String servicesJson() {
        StringBuilder sb = new StringBuilder(SERVICES * 1500).append('[');
        for (int s = 0; s < SERVICES; s++) {
            if (s > 0) {
                sb.append(',');
            }
            sb.append("{\"ID\":\"").append(serviceId(s)).append("\",\"Version\":{\"Index\":").append(100 + s)
                    .append("},\"CreatedAt\":\"2026-11-28T07:14:31.1Z\",\"UpdatedAt\":\"2026-11-28T07:14:31.1Z\",")
                    .append("\"Spec\":{\"Name\":\"svc-").append(s).append("\",\"Labels\":{\"ingress.enable\":\"true\",")
                    .append("\"ingress.port\":\"8080\",\"ingress.http.host\":\"svc-").append(s)
                    .append(".example.com\",\"com.docker.stack.namespace\":\"bench\"},")
                    .append("\"TaskTemplate\":{\"ContainerSpec\":{\"Image\":\"demo/busybox:local\",\"Args\":[\"/bin/httpd\",")
                    .append("\"-f\",\"-p\",\"8080\",\"-h\",\"/www\"],\"Init\":false,\"StopGracePeriod\":10000000000,")
                    .append("\"DNSConfig\":{},\"Isolation\":\"default\"},\"Resources\":{\"Limits\":{},\"Reservations\":{}},")
                    .append("\"RestartPolicy\":{\"Condition\":\"any\",\"Delay\":5000000000,\"MaxAttempts\":0},")
                    .append("\"Placement\":{},\"Networks\":[{\"Target\":\"netappnet0000000000000000\"}],")
                    .append("\"ForceUpdate\":0,\"Runtime\":\"container\"},\"Mode\":{\"Replicated\":{\"Replicas\":")
                    .append(TASKS).append("}},\"UpdateConfig\":{\"Parallelism\":1,\"FailureAction\":\"pause\",")
                    .append("\"Monitor\":5000000000,\"MaxFailureRatio\":0,\"Order\":\"stop-first\"},")
                    .append("\"EndpointSpec\":{\"Mode\":\"vip\"}},\"Endpoint\":{\"Spec\":{\"Mode\":\"vip\"},")
                    .append("\"VirtualIPs\":[{\"NetworkID\":\"netappnet0000000000000000\",\"Addr\":\"10.0.0.")
                    .append(s % 250).append("/16\"}]}}");
        }
        return sb.append(']').toString();
    }

    private static String tasksJson() {
        StringBuilder sb = new StringBuilder(SERVICES * TASKS * 2300).append('[');
        for (int s = 0; s < SERVICES; s++) {
            for (int t = 0; t < TASKS; t++) {
                if (s > 0 || t > 0) {
                    sb.append(',');
                }
                int n = s * TASKS + t;
                sb.append("{\"ID\":\"task").append(String.format("%021d", n)).append("\",\"Version\":{\"Index\":")
                        .append(1000 + n).append("},\"CreatedAt\":\"2026-11-28T07:14:31.162574251Z\",")
                        .append("\"UpdatedAt\":\"2026-11-28T07:14:32.637992416Z\",\"Labels\":{},")
                        .append("\"Spec\":{\"ContainerSpec\":{\"Image\":\"demo/busybox:local\",\"Args\":[\"/bin/httpd\",")
                        .append("\"-f\",\"-p\",\"8080\",\"-h\",\"/www\"],\"Init\":false,\"DNSConfig\":{},")
                        .append("\"Isolation\":\"default\"},\"Resources\":{\"Limits\":{},\"Reservations\":{}},")
                        .append("\"Placement\":{},\"Networks\":[{\"Target\":\"netappnet0000000000000000\"}],")
                        .append("\"ForceUpdate\":0},\"ServiceID\":\"").append(serviceId(s)).append("\",\"Slot\":")
                        .append(t + 1).append(",\"NodeID\":\"xv9u8b5yjge34nx1u6b0eiiyf\",\"Status\":{\"Timestamp\":")
                        .append("\"2026-11-28T07:14:32.548660229Z\",\"State\":\"running\",\"Message\":\"started\",")
                        .append("\"ContainerStatus\":{\"ContainerID\":\"c5f87b774a066c0f9e4d36c88d12f5434798f2f76a3c0391")
                        .append(String.format("%016x", n)).append("\",\"PID\":").append(5000 + n)
                        .append(",\"ExitCode\":0},\"PortStatus\":{}},\"DesiredState\":\"running\",")
                        .append("\"NetworksAttachments\":[{\"Network\":{\"ID\":\"netappnet0000000000000000\",")
                        .append("\"Version\":{\"Index\":12},\"CreatedAt\":\"2026-11-28T07:14:29.24173277Z\",")
                        .append("\"UpdatedAt\":\"2026-11-28T07:14:29.242820373Z\",\"Spec\":{\"Name\":\"appnet\",")
                        .append("\"Labels\":{},\"DriverConfiguration\":{\"Name\":\"overlay\"},\"Attachable\":true,")
                        .append("\"IPAMOptions\":{\"Driver\":{\"Name\":\"default\"}},\"Scope\":\"swarm\"},")
                        .append("\"DriverState\":{\"Name\":\"overlay\",\"Options\":{")
                        .append("\"com.docker.network.driver.overlay.vxlanid_list\":\"4097\"}},\"IPAMOptions\":{")
                        .append("\"Driver\":{\"Name\":\"default\"},\"Configs\":[{\"Subnet\":\"10.0.0.0/16\",")
                        .append("\"Gateway\":\"10.0.0.1\"}]}},\"Addresses\":[\"10.0.").append(n / 250 + 1).append('.')
                        .append(n % 250 + 2).append("/16\"]}]}");
            }
        }
        return sb.append(']').toString();
    }

    private static String serviceId(int s) {
        return String.format("svc%022d", s);
    }
}
