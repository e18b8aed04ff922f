package dev.sluice.functions.jar;

import java.io.IOException;
import java.util.Enumeration;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * Links every class of a jar without initialising it, in a JVM whose class path is that jar (and this class), and
 * prints one line per class that does not link: {@code FAIL class.Name java.lang.SomeError: message}, then
 * {@code CHECKED n}. Linking verifies the bytecode (the stack maps ProGuard writes) and loads every superclass and
 * interface; listing the declared members loads the types in their signatures. Uses the JDK only.
 * Run by {@link LambdaJarIT} on the shaded jar and on the shrunk one, which must not fail more classes.
 */
public final class JarLinkCheck {
    private JarLinkCheck() {
    }

    public static void main(String[] args) throws IOException {
        ClassLoader loader = JarLinkCheck.class.getClassLoader();
        int checked = 0;
        try (ZipFile jar = new ZipFile(args[0])) {
            for (Enumeration<? extends ZipEntry> e = jar.entries(); e.hasMoreElements(); ) {
                String name = e.nextElement().getName();
                if (!name.endsWith(".class") || name.startsWith("META-INF/") || name.endsWith("module-info.class")) {
                    continue;
                }
                String cls = name.substring(0, name.length() - ".class".length()).replace('/', '.');
                checked++;
                try {
                    Class<?> c = Class.forName(cls, false, loader);
                    c.getDeclaredMethods();       // HotSpot links (and so verifies) the class first
                    c.getDeclaredFields();
                    c.getDeclaredConstructors();
                } catch (Throwable t) {
                    String msg = String.valueOf(t.getMessage()).replace('\n', ' ');
                    System.out.println("FAIL " + cls + " " + t.getClass().getName() + ": " + msg);
                }
            }
        }
        System.out.println("CHECKED " + checked);
    }
}
