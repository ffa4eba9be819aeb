# hashtable: owned by the hashtable module.
