package dev.smartstack.discovery.agent;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;

/**
 * Catches SIGHUP with {@code sun.misc.Signal} (module {@code jdk.unsupported}, in every JDK since 9),
 * reached by reflection because javac flags any direct use as a proprietary API, which
 * {@code -Werror} turns into an error and no annotation can silence.
 */
final class HangupSignal {
    private HangupSignal() {
    }

    /**
     * Runs {@code action} on the JVM's signal thread at each SIGHUP, instead of the JVM's default
     * (which is to shut down).
     *
     * @throws UnsupportedOperationException when this JVM or platform does not allow it, with the reason
     */
    static void install(Runnable action) {
        try {
            Class<?> signalClass = Class.forName("sun.misc.Signal");
            Class<?> handlerClass = Class.forName("sun.misc.SignalHandler");
            Object signal = signalClass.getConstructor(String.class).newInstance("HUP");
            Object handler = Proxy.newProxyInstance(HangupSignal.class.getClassLoader(), new Class<?>[] {handlerClass},
                    (proxy, method, args) -> {
                        switch (method.getName()) {
                            case "handle" -> {
                                action.run();
                                return null;
                            }
                            case "toString" -> {
                                return "smartstack SIGHUP handler";
                            }
                            case "hashCode" -> {
                                return System.identityHashCode(proxy);
                            }
                            case "equals" -> {
                                return proxy == args[0];
                            }
                            default -> throw new UnsupportedOperationException(method.getName());
                        }
                    });
            Method handle = signalClass.getMethod("handle", signalClass, handlerClass);
            handle.invoke(null, signal, handler);
        } catch (InvocationTargetException e) {
            throw new UnsupportedOperationException(String.valueOf(e.getCause()), e.getCause());
        } catch (ReflectiveOperationException | LinkageError | RuntimeException e) {
            throw new UnsupportedOperationException(String.valueOf(e), e);
        }
    }
}
