package io.swarmingress.proxy;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/**
 * The shape of the code, checked on every build: modules and packages depend one way only, so a
 * newcomer can read the tree from the bottom up and a cycle fails the build rather than creep in.
 *
 * <pre>
 * proxy (Main, Ingress, Fronts)  wires everything
 *   admin, demo, relay           relay: discovery's state to the proxies on workers
 *   h2                           HTTP/2 streams; builds on http1 (same parser and rules)
 *   http1, tcp                   protocol fronts
 *   tls                          TLS ahead of the fronts (a server Layer); ClientHello reading for passthrough
 *   server                       listeners, the table swap; knows no protocol
 *   health                       active checks; leaves state on endpoints
 *   forward                      route, pick, upstream exchange; knows no client protocol
 *   wire                         HTTP/1.1 bytes; knows nothing of ours
 *   routing -> metrics           the snapshot and its meters
 * discovery -> config            (modules)
 * </pre>
 */
@AnalyzeClasses(packages = "io.swarmingress", importOptions = ImportOption.DoNotIncludeTests.class)
class PackageDependenciesTest {
    private static final String P = "io.swarmingress.proxy";

    @ArchTest
    static final ArchRule noCyclesBetweenPackages = slices().matching("io.swarmingress.proxy.(*)..").should().beFreeOfCycles();

    @ArchTest
    static final ArchRule modulesPointDown = noClasses().that().resideInAnyPackage("io.swarmingress.config..")
            .should().dependOnClassesThat().resideInAnyPackage("io.swarmingress.discovery..", P + "..")
            .andShould().dependOnClassesThat().resideInAnyPackage("io.netty..", "com.github.dockerjava..");

    @ArchTest
    static final ArchRule discoveryKnowsNoProxy = noClasses().that().resideInAnyPackage("io.swarmingress.discovery..")
            .should().dependOnClassesThat().resideInAnyPackage(P + "..", "io.netty..");

    @ArchTest
    static final ArchRule wireKnowsNothingOfOurs = noClasses().that().resideInAPackage(P + ".wire..")
            .should().dependOnClassesThat().resideInAnyPackage("io.swarmingress.config..", "io.swarmingress.discovery..",
                    P + ".routing..", P + ".metrics..", P + ".forward..", P + ".http1..", P + ".h2..", P + ".tcp..", P + ".server..",
                    P + ".admin..", P + ".tls..");

    @ArchTest
    static final ArchRule forwarderKnowsNoFront = noClasses().that().resideInAPackage(P + ".forward..")
            .should().dependOnClassesThat().resideInAnyPackage(P + ".http1..", P + ".h2..", P + ".tcp..", P + ".server..",
                    P + ".admin..", P + ".tls..");

    @ArchTest
    static final ArchRule listenersKnowNoProtocol = noClasses().that().resideInAPackage(P + ".server..")
            .should().dependOnClassesThat().resideInAnyPackage(P + ".http1..", P + ".h2..", P + ".tcp..", P + ".wire..",
                    P + ".forward..", P + ".admin..", P + ".demo..", P + ".tls..");

    /** TLS sits between the listener and the fronts: it reads bytes on the wire and knows no protocol behind them. */
    @ArchTest
    static final ArchRule tlsKnowsNoFront = noClasses().that().resideInAPackage(P + ".tls..")
            .should().dependOnClassesThat().resideInAnyPackage(P + ".http1..", P + ".h2..", P + ".tcp..", P + ".wire..",
                    P + ".forward..", P + ".admin..", P + ".demo..", P + ".health..", P + ".routing..")
            .andShould().dependOnClassesThat().resideInAPackage(P);

    @ArchTest
    static final ArchRule healthChecksKnowOnlyTheTable = noClasses().that().resideInAPackage(P + ".health..")
            .should().dependOnClassesThat().resideInAnyPackage(P + ".server..", P + ".http1..", P + ".h2..", P + ".tcp..",
                    P + ".forward..", P + ".wire..", P + ".admin..", P + ".tls..");

    @ArchTest
    static final ArchRule frontsAreSeparate = noClasses().that().resideInAPackage(P + ".http1..")
            .should().dependOnClassesThat().resideInAnyPackage(P + ".tcp..", P + ".h2..", P + ".admin..")
            .andShould().dependOnClassesThat().resideInAPackage(P);

    /** HTTP/2 builds on the HTTP/1 front (its parser rules, its fallback), never the other way round. */
    @ArchTest
    static final ArchRule h2IsAFront = noClasses().that().resideInAPackage(P + ".h2..")
            .should().dependOnClassesThat().resideInAnyPackage(P + ".tcp..", P + ".admin..", P + ".demo..")
            .andShould().dependOnClassesThat().resideInAPackage(P);

    @ArchTest
    static final ArchRule tcpIsSeparate = noClasses().that().resideInAPackage(P + ".tcp..")
            .should().dependOnClassesThat().resideInAnyPackage(P + ".http1..", P + ".h2..", P + ".wire..", P + ".admin..")
            .andShould().dependOnClassesThat().resideInAPackage(P);

    /** The admin listener only reads: the table, the meters, the listeners' addresses; never the request path. */
    @ArchTest
    static final ArchRule adminOnlyReads = noClasses().that().resideInAPackage(P + ".admin..")
            .should().dependOnClassesThat().resideInAnyPackage(P + ".http1..", P + ".tcp..", P + ".forward..", P + ".wire..",
                    P + ".health..", P + ".demo..")
            .andShould().dependOnClassesThat().resideInAPackage(P);

    @ArchTest
    static final ArchRule relayKnowsOnlyDiscoveryAndTheTransport = noClasses().that().resideInAPackage(P + ".relay..")
            .should().dependOnClassesThat().resideInAnyPackage(P + ".http1..", P + ".h2..", P + ".tcp..", P + ".wire..",
                    P + ".forward..", P + ".routing..", P + ".health..", P + ".metrics..", P + ".admin..", P + ".demo..")
            .andShould().dependOnClassesThat().resideInAPackage(P);

    @ArchTest
    static final ArchRule theSnapshotKnowsNoDataPlane = noClasses().that().resideInAnyPackage(P + ".routing..", P + ".metrics..")
            .should().dependOnClassesThat().resideInAnyPackage(P + ".wire..", P + ".forward..", P + ".http1..", P + ".h2..",
                    P + ".tcp..", P + ".server..", P + ".admin..", P + ".tls..");
}
