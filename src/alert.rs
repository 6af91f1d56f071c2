//! What fired and the facts a person needs: who, what, where, when, from where, result, key request fields.
