#include "base/ids.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <cassert>
#include <random>

namespace aftercare {

namespace {

// OpenSSL 3 looks the algorithm up in its provider registry, and EVP_Digest
// allocates a context, on every call; both cost more than hashing a short
// envelope or token. So the algorithm is fetched once and each thread keeps
// one context.
const EVP_MD* sha256_md() {
  static const EVP_MD* md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  return md;
}

struct DigestContext {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  ~DigestContext() { EVP_MD_CTX_free(ctx); }
};

}  // namespace

Sha256 sha256(std::string_view bytes) {
  thread_local DigestContext digest;
  Sha256 out;
  unsigned int len = 0;
  const bool ok = EVP_DigestInit_ex(digest.ctx, sha256_md(), nullptr) == 1 &&
                  EVP_DigestUpdate(digest.ctx, bytes.data(), bytes.size()) == 1 &&
                  EVP_DigestFinal_ex(digest.ctx, out.data(), &len) == 1;
  assert(ok && len == out.size());
  (void)ok;
  return out;
}

Sha256 hmac_sha256(std::string_view key, std::string_view bytes) {
  Sha256 out;
  unsigned int len = 0;
  const auto* ok = HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
                        reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(), out.data(), &len);
  assert(ok != nullptr && len == out.size());
  (void)ok;
  return out;
}

bool constant_time_equal(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string to_hex(const uint8_t* data, size_t n) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string s(n * 2, '0');
  for (size_t i = 0; i < n; ++i) {
    s[2 * i] = kHex[data[i] >> 4];
    s[2 * i + 1] = kHex[data[i] & 0xf];
  }
  return s;
}

Sha256Stream::Sha256Stream() : ctx_(EVP_MD_CTX_new()) {
  EVP_DigestInit_ex(static_cast<EVP_MD_CTX*>(ctx_), EVP_sha256(), nullptr);
}

Sha256Stream::~Sha256Stream() { EVP_MD_CTX_free(static_cast<EVP_MD_CTX*>(ctx_)); }

void Sha256Stream::update(std::string_view bytes) {
  EVP_DigestUpdate(static_cast<EVP_MD_CTX*>(ctx_), bytes.data(), bytes.size());
}

Sha256 Sha256Stream::finish() {
  Sha256 out;
  unsigned int len = 0;
  EVP_DigestFinal_ex(static_cast<EVP_MD_CTX*>(ctx_), out.data(), &len);
  return out;
}

namespace {

std::string format_uuid(std::array<uint8_t, 16> b) {
  const std::string hex = to_hex(b.data(), b.size());
  return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" +
         hex.substr(16, 4) + "-" + hex.substr(20, 12);
}

}  // namespace

std::string random_uuid() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  std::array<uint8_t, 16> b;
  for (size_t i = 0; i < 16; i += 8) {
    const uint64_t r = rng();
    for (size_t j = 0; j < 8; ++j) b[i + j] = static_cast<uint8_t>(r >> (8 * j));
  }
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  return format_uuid(b);
}

std::string uuid_from_name(std::string_view name) {
  const Sha256 h = sha256(name);
  std::array<uint8_t, 16> b;
  std::copy_n(h.begin(), 16, b.begin());
  b[6] = (b[6] & 0x0f) | 0x80;
  b[8] = (b[8] & 0x3f) | 0x80;
  return format_uuid(b);
}

}  // namespace aftercare
