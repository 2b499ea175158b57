// The benchmark's data set, read back from the answer a correct gateway gives to TestQuery
// (bench/workload/expected.json). Every record and every relation the subgraphs serve is one
// that answer shows; a fact the answer contradicts itself on stops the server at startup.
import { readFileSync } from "node:fs";

function remember(table, key, value, what) {
  const known = table.get(key);
  if (known !== undefined && JSON.stringify(known) !== JSON.stringify(value)) {
    throw new Error(`expected.json disagrees with itself on ${what} ${key}`);
  }
  table.set(key, value);
}

export function readDataset(expectedPath) {
  const answer = JSON.parse(readFileSync(expectedPath, "utf8")).data;
  const users = new Map();
  const products = new Map();
  const stock = new Map();
  const reviews = new Map();
  const reviewsByUser = new Map();
  const reviewsByProduct = new Map();
  const authorOfReview = new Map();
  const productOfReview = new Map();

  const visitUser = (user) => {
    remember(users, user.id, { id: user.id, username: user.username, name: user.name }, "user");
    if (user.reviews) {
      remember(reviewsByUser, user.id, user.reviews.map((r) => r.id), "reviews of user");
      user.reviews.forEach(visitReview);
    }
  };
  const visitProduct = (product) => {
    const { upc, name, price, weight, inStock } = product;
    remember(products, upc, { upc, name, price, weight }, "product");
    remember(stock, upc, { upc, inStock }, "stock of product");
    if (product.reviews) {
      const ids = product.reviews.map((r) => r.id);
      remember(reviewsByProduct, upc, ids, "reviews of product");
      for (const id of ids) remember(productOfReview, id, upc, "product of review");
      product.reviews.forEach(visitReview);
    }
  };
  const visitReview = (review) => {
    remember(reviews, review.id, { id: review.id, body: review.body }, "review");
    if (review.author) {
      remember(authorOfReview, review.id, review.author.id, "author of review");
      visitUser(review.author);
    }
    if (review.product) {
      remember(productOfReview, review.id, review.product.upc, "product of review");
      visitProduct(review.product);
    }
  };
  answer.users.forEach(visitUser);
  answer.topProducts.forEach(visitProduct);

  return {
    users: [...users.values()],
    products: [...products.values()],
    userById: users,
    productByUpc: products,
    stockByUpc: stock,
    reviewById: reviews,
    reviewsByUser,
    reviewsByProduct,
    authorOfReview,
    productOfReview,
  };
}
