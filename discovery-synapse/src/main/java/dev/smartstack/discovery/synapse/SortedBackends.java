package dev.smartstack.discovery.synapse;

import dev.smartstack.discovery.core.ServiceInstance;
import java.util.AbstractList;
import java.util.Iterator;
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
