//! The set of dotted paths a compiled rule set reads, and the same paths as a
//! trie of key segments for the scanner.

use std::collections::{HashMap, HashSet};

/// Index of a dotted path in a [`PathSet`].
pub type PathId = u32;

/// The dotted paths that a compiled rule set reads.
///
/// Paths are joined with `.`, which makes the event key `"a.b"` and the nested
/// keys `a` → `b` the same path, as in EventBridge.
#[derive(Clone, Debug, Default)]
pub struct PathSet {
    ids: HashMap<String, PathId>,
    names: Vec<String>,
    /// Every proper prefix (at a `.`) of a needed path: where the scanner must descend.
    prefixes: HashSet<String>,
    /// The same paths as a tree of dot-separated segments, for the scanner: one
    /// short lookup per object key instead of building and hashing dotted strings.
    trie: Trie,
}

/// Node index in a [`Trie`]; `NO_NODE` when a path leads nowhere.
pub(crate) type Node = u32;
pub(crate) const NO_NODE: Node = u32::MAX;

#[derive(Clone, Debug, Default)]
struct Trie {
    /// Node 0 is the root once any path is interned.
    nodes: Vec<TrieNode>,
}

#[derive(Clone, Debug, Default)]
struct TrieNode {
    children: Vec<(Box<[u8]>, Node)>,
    /// One bit per child key (see [`key_bit`]): most keys of an event are not
    /// on any needed path, and this turns them away without comparing bytes.
    filter: u64,
    path: Option<PathId>,
}

#[inline]
fn key_bit(key: &[u8]) -> u64 {
    let first = key.first().copied().unwrap_or(0) as usize;
    let last = key.last().copied().unwrap_or(0) as usize;
    let h = key.len().wrapping_mul(31) ^ first.wrapping_mul(7) ^ last.wrapping_mul(13);
    1u64 << (h % 64)
}

impl TrieNode {
    #[inline]
    fn find(&self, segment: &[u8]) -> Node {
        if self.filter & key_bit(segment) == 0 {
            return NO_NODE;
        }
        self.children
            .iter()
            .find(|(k, _)| **k == *segment)
            .map_or(NO_NODE, |&(_, n)| n)
    }
}

impl Trie {
    fn insert(&mut self, dotted: &str, id: PathId) {
        if self.nodes.is_empty() {
            self.nodes.push(TrieNode::default());
        }
        let mut node = 0usize;
        for segment in dotted.as_bytes().split(|&c| c == b'.') {
            let found = self.nodes[node]
                .children
                .iter()
                .find(|(k, _)| **k == *segment)
                .map(|&(_, n)| n as usize);
            node = match found {
                Some(n) => n,
                None => {
                    let n = self.nodes.len();
                    self.nodes.push(TrieNode::default());
                    let parent = &mut self.nodes[node];
                    parent.filter |= key_bit(segment);
                    parent
                        .children
                        .push((segment.into(), Node::try_from(n).unwrap_or(NO_NODE)));
                    n
                }
            };
        }
        self.nodes[node].path = Some(id);
    }
}

impl PathSet {
    pub fn new() -> Self {
        Self::default()
    }

    /// The id of `dotted`, adding it if new.
    pub fn intern(&mut self, dotted: &str) -> PathId {
        if let Some(&id) = self.ids.get(dotted) {
            return id;
        }
        let id = PathId::try_from(self.names.len()).unwrap_or(PathId::MAX);
        self.ids.insert(dotted.to_string(), id);
        self.names.push(dotted.to_string());
        self.trie.insert(dotted, id);
        for (i, _) in dotted.match_indices('.') {
            self.prefixes.insert(dotted[..i].to_string());
        }
        id
    }

    pub fn get(&self, dotted: &str) -> Option<PathId> {
        self.ids.get(dotted).copied()
    }

    /// True when some needed path starts with `dotted` followed by a `.`.
    pub fn is_prefix(&self, dotted: &str) -> bool {
        self.prefixes.contains(dotted)
    }

    pub fn name(&self, id: PathId) -> &str {
        self.names
            .get(id as usize)
            .map(String::as_str)
            .unwrap_or("")
    }

    pub fn len(&self) -> usize {
        self.names.len()
    }

    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// The root of the path tree (`NO_NODE` when no path was interned).
    pub(crate) fn root(&self) -> Node {
        if self.trie.nodes.is_empty() {
            NO_NODE
        } else {
            0
        }
    }

    /// The node reached from `node` by the object key `key`; a key holding dots
    /// walks several levels, which is what makes `"a.b"` and `a` → `b` one path.
    #[inline]
    pub(crate) fn child(&self, node: Node, key: &[u8]) -> Node {
        let Some(n) = self.trie.nodes.get(node as usize) else {
            return NO_NODE;
        };
        if !key.contains(&b'.') {
            return n.find(key);
        }
        let mut node = node;
        for segment in key.split(|&c| c == b'.') {
            let Some(n) = self.trie.nodes.get(node as usize) else {
                return NO_NODE;
            };
            node = n.find(segment);
            if node == NO_NODE {
                return NO_NODE;
            }
        }
        node
    }

    /// The path id ending at `node`, if that path is needed.
    #[inline]
    pub(crate) fn node_path(&self, node: Node) -> Option<PathId> {
        self.trie.nodes.get(node as usize).and_then(|n| n.path)
    }

    /// Whether some needed path continues below `node`.
    #[inline]
    pub(crate) fn node_has_children(&self, node: Node) -> bool {
        self.trie
            .nodes
            .get(node as usize)
            .is_some_and(|n| !n.children.is_empty())
    }
}
