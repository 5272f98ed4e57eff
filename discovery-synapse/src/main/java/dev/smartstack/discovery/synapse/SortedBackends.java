package dev.smartstack.discovery.synapse;

import dev.smartstack.discovery.core.ServiceInstance;
import java.util.AbstractList;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Objects;

/**
 * An immutable list of backends in {@link ServiceSnapshot#ORDER}, stored as a persistent AVL tree:
 * {@link #with} and {@link #without} return a new list in O(log N) and share every untouched node
 * with this one, so a snapshot per change costs O(log N) whatever the number of backends, and
 * every snapshot stays immutable. Elements that compare equal under {@code ORDER} (same sequence
 * and key) are one element: {@code with} replaces it.
 *
 * <p>{@code get(i)} is O(log N); iteration is O(1) per element.
 */
final class SortedBackends extends AbstractList<ServiceInstance> {
    static final SortedBackends EMPTY = new SortedBackends(null);

    private final Node root;

    private SortedBackends(Node root) {
        this.root = root;
    }

    private static final class Node {
        final ServiceInstance value;
        final Node left;
        final Node right;
        final int height;
        final int size;

        Node(ServiceInstance value, Node left, Node right) {
            this.value = value;
            this.left = left;
            this.right = right;
            this.height = 1 + Math.max(height(left), height(right));
            this.size = 1 + size(left) + size(right);
        }
    }

    /** This list with {@code instance} added, or replacing the element with its sequence and key. */
    SortedBackends with(ServiceInstance instance) {
        Objects.requireNonNull(instance, "instance == null");
        return new SortedBackends(insert(root, instance));
    }

    /** This list without the element with {@code instance}'s sequence and key (this list when absent). */
    SortedBackends without(ServiceInstance instance) {
        Node r = remove(root, instance);
        return r == root ? this : new SortedBackends(r);
    }

    @Override
    public int size() {
        return size(root);
    }

    @Override
    public ServiceInstance get(int index) {
        Objects.checkIndex(index, size());
        Node n = root;
        while (true) {
            int left = size(n.left);
            if (index < left) {
                n = n.left;
            } else if (index == left) {
                return n.value;
            } else {
                index -= left + 1;
                n = n.right;
            }
        }
    }

    /** O(log N): looks the element up by {@link ServiceSnapshot#ORDER}, then compares it whole. */
    @Override
    public boolean contains(Object o) {
        if (!(o instanceof ServiceInstance i)) {
            return false;
        }
        Node n = root;
        while (n != null) {
            int c = ServiceSnapshot.ORDER.compare(i, n.value);
            if (c == 0) {
                return n.value.equals(i);
            }
            n = c < 0 ? n.left : n.right;
        }
        return false;
    }

    /**
     * The element with this sequence and key (as {@link ServiceSnapshot#ORDER} sorts them), or null;
     * O(log N).
     */
    ServiceInstance find(long sequence, String key) {
        Node n = root;
        while (n != null) {
            int c = Long.compare(sequence, n.value.sequence());
            if (c == 0) {
                c = key.compareTo(n.value.key());
            }
            if (c == 0) {
                return n.value;
            }
            n = c < 0 ? n.left : n.right;
        }
        return null;
    }

    @Override
    public Iterator<ServiceInstance> iterator() {
        return new Iterator<>() {
            private final Node[] stack = new Node[root == null ? 0 : root.height];
            private int depth;

            {
                pushLeft(root);
            }

            private void pushLeft(Node n) {
                while (n != null) {
                    stack[depth++] = n;
                    n = n.left;
                }
            }

            @Override
            public boolean hasNext() {
                return depth > 0;
            }

            @Override
            public ServiceInstance next() {
                if (depth == 0) {
                    throw new NoSuchElementException();
                }
                Node n = stack[--depth];
                stack[depth] = null;
                pushLeft(n.right);
                return n.value;
            }
        };
    }

    /**
     * What {@link #diff} found, in {@link ServiceSnapshot#ORDER}, and how many subtrees it had to
     * open to find it (its cost).
     */
    record Diff(List<ServiceInstance> added, List<ServiceInstance> removed, List<ServiceInstance> changed,
            int opened) {
    }

    /**
     * What changed from {@code before} to {@code after}, matching elements by sequence and key.
     * Subtrees the two lists share (the same nodes, as after a few {@link #with}/{@link #without}
     * calls) are skipped whole, so two lists a few changes apart are compared in about
     * O(changes * log N), not O(N).
     */
    static Diff diff(SortedBackends before, SortedBackends after) {
        List<ServiceInstance> added = new ArrayList<>();
        List<ServiceInstance> removed = new ArrayList<>();
        List<ServiceInstance> changed = new ArrayList<>();
        // Each stack is the rest of its list in order, top first: a Node is a whole subtree still to
        // visit, a Leaf one element whose left subtree is done.
        ArrayDeque<Object> a = new ArrayDeque<>();
        ArrayDeque<Object> b = new ArrayDeque<>();
        push(a, before.root);
        push(b, after.root);
        int opened = 0;
        while (!a.isEmpty() || !b.isEmpty()) {
            Object x = a.peek();
            Object y = b.peek();
            if (x instanceof Node || y instanceof Node) {
                opened++;
            }
            if (x == null) {
                b.pop();
                expandOr(b, y, added);
            } else if (y == null) {
                a.pop();
                expandOr(a, x, removed);
            } else if (x == y) {
                a.pop(); // the same subtree (or element) in both: nothing changed in it
                b.pop();
            } else if (x instanceof Node nx && (!(y instanceof Node ny) || nx.height >= ny.height)) {
                a.pop();
                expand(a, nx);
                if (y instanceof Node ny2 && ny2.height == nx.height) {
                    b.pop();
                    expand(b, ny2);
                }
            } else if (y instanceof Node ny) {
                b.pop();
                expand(b, ny);
            } else {
                ServiceInstance u = ((Leaf) x).value;
                ServiceInstance v = ((Leaf) y).value;
                int c = ServiceSnapshot.ORDER.compare(u, v);
                if (c < 0) {
                    a.pop();
                    removed.add(u);
                } else if (c > 0) {
                    b.pop();
                    added.add(v);
                } else {
                    a.pop();
                    b.pop();
                    if (!u.equals(v)) {
                        changed.add(v);
                    }
                }
            }
        }
        return new Diff(added, removed, changed, opened);
    }

    /** One element of a subtree being diffed. */
    private record Leaf(ServiceInstance value) {
    }

    private static void push(ArrayDeque<Object> stack, Node n) {
        if (n != null) {
            stack.push(n);
        }
    }

    /** Replaces a subtree by its left subtree, its own element and its right subtree (left on top). */
    private static void expand(ArrayDeque<Object> stack, Node n) {
        push(stack, n.right);
        stack.push(new Leaf(n.value));
        push(stack, n.left);
    }

    /** The other list is done: every element left here goes to {@code into}. */
    private static void expandOr(ArrayDeque<Object> stack, Object top, List<ServiceInstance> into) {
        if (top instanceof Node n) {
            expand(stack, n);
        } else {
            into.add(((Leaf) top).value);
        }
    }

    private static int height(Node n) {
        return n == null ? 0 : n.height;
    }

    private static int size(Node n) {
        return n == null ? 0 : n.size;
    }

    private static Node insert(Node n, ServiceInstance v) {
        if (n == null) {
            return new Node(v, null, null);
        }
        int c = ServiceSnapshot.ORDER.compare(v, n.value);
        if (c < 0) {
            return balance(n.value, insert(n.left, v), n.right);
        }
        if (c > 0) {
            return balance(n.value, n.left, insert(n.right, v));
        }
        return new Node(v, n.left, n.right);
    }

    private static Node remove(Node n, ServiceInstance v) {
        if (n == null) {
            return null;
        }
        int c = ServiceSnapshot.ORDER.compare(v, n.value);
        if (c < 0) {
            Node l = remove(n.left, v);
            return l == n.left ? n : balance(n.value, l, n.right);
        }
        if (c > 0) {
            Node r = remove(n.right, v);
            return r == n.right ? n : balance(n.value, n.left, r);
        }
        if (n.left == null) {
            return n.right;
        }
        if (n.right == null) {
            return n.left;
        }
        Node min = n.right;
        while (min.left != null) {
            min = min.left;
        }
        return balance(min.value, n.left, removeMin(n.right));
    }

    private static Node removeMin(Node n) {
        if (n.left == null) {
            return n.right;
        }
        return balance(n.value, removeMin(n.left), n.right);
    }

    /** A node for {@code v} over {@code l} and {@code r}, whose heights differ by at most 2, rebalanced. */
    private static Node balance(ServiceInstance v, Node l, Node r) {
        int hl = height(l);
        int hr = height(r);
        if (hl > hr + 1) {
            if (height(l.left) >= height(l.right)) {
                return new Node(l.value, l.left, new Node(v, l.right, r));
            }
            return new Node(l.right.value, new Node(l.value, l.left, l.right.left), new Node(v, l.right.right, r));
        }
        if (hr > hl + 1) {
            if (height(r.right) >= height(r.left)) {
                return new Node(r.value, new Node(v, l, r.left), r.right);
            }
            return new Node(r.left.value, new Node(v, l, r.left.left), new Node(r.value, r.left.right, r.right));
        }
        return new Node(v, l, r);
    }

    /** The tree's height, for tests that check the balance. */
    int height() {
        return height(root);
    }
}
