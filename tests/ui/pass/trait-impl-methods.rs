//! Methods of trait impls, generic trait impls, and default methods of traits.

trait Shape {
    fn area(&self) -> f64;

    #[tripod::observe(name = "shape.describe")]
    fn describe(&self) -> String {
        format!("area {}", self.area())
    }
}

struct Square(f64);

impl Shape for Square {
    #[tripod::observe(name = "square.area")]
    fn area(&self) -> f64 {
        self.0 * self.0
    }
}

struct Scaled<T>(T, f64);

impl<T: Shape> Shape for Scaled<T> {
    #[tripod::observe(name = "scaled.area")]
    fn area(&self) -> f64 {
        self.0.area() * self.1
    }
}

impl std::str::FromStr for Square {
    type Err = std::num::ParseFloatError;

    #[tripod::observe(name = "square.parse")]
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Ok(Square(text.parse()?))
    }
}

fn main() {
    assert_eq!(Square(2.0).area(), 4.0);
    assert_eq!(Scaled(Square(2.0), 0.5).area(), 2.0);
    assert_eq!(Square(1.0).describe(), "area 1");
    assert_eq!("3".parse::<Square>().unwrap().area(), 9.0);
    assert!("x".parse::<Square>().is_err());
}
