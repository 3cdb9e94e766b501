//! A label computed per call goes on a method's own attribute: a block's options apply to every
//! method, which need not have the arguments it names.

struct Store;

#[tripod::observe(labels(shard = %shard))]
impl Store {
    fn get(&self, shard: u8) -> u8 {
        shard
    }
}

fn main() {}
