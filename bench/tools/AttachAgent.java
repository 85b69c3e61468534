import com.sun.tools.attach.VirtualMachine;

/**
 * Loads a native agent into a running JVM: {@code java AttachAgent.java PID LIBRARY OPTIONS}.
 * profile-round.sh uses it to start and stop async-profiler inside the proxy during one measured
 * round only ({@code jcmd PID JVMTI.agent_load} drops async-profiler's options on JDK 17).
 */
public class AttachAgent {
    public static void main(String[] args) throws Exception {
        VirtualMachine vm = VirtualMachine.attach(args[0]);
        try {
            vm.loadAgentPath(args[1], args[2]);
        } finally {
            vm.detach();
        }
    }
}
