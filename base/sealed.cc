#include "base/sealed.h"

#include <fcntl.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <fstream>
#include <memory>
#include <optional>

#include "base/ids.h"

namespace aftercare {
namespace {

constexpr size_t kKeyBytes = 32, kNonceBytes = 12, kTagBytes = 16;
constexpr std::string_view kPrefix = "a256gcm:";

struct CipherContext {
  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
  ~CipherContext() { EVP_CIPHER_CTX_free(ctx); }
};

std::optional<std::string> from_hex(std::string_view hex) {
  if (hex.size() % 2) return std::nullopt;
  std::string out(hex.size() / 2, '\0');
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
  };
  for (size_t i = 0; i < out.size(); ++i) {
    const int hi = nibble(hex[2 * i]), lo = nibble(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out[i] = static_cast<char>(hi * 16 + lo);
  }
  return out;
}

const unsigned char* bytes(std::string_view s) { return reinterpret_cast<const unsigned char*>(s.data()); }

}  // namespace

Result<Sealer> Sealer::with_key(std::string key) {
  if (key.size() != kKeyBytes) return Status{Errc::invalid_argument, "a sealing key has 32 bytes"};
  return Sealer(std::move(key));
}

Result<Sealer> Sealer::open(const std::string& path) {
  if (std::ifstream in(path); in) {
    std::string hex;
    std::getline(in, hex);
    auto key = from_hex(hex);
    if (!key || key->size() != kKeyBytes) return Status{Errc::invalid_argument, path + " must hold 64 hex digits"};
    return Sealer(std::move(*key));
  }
  std::string key(kKeyBytes, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(key.data()), static_cast<int>(key.size())) != 1)
    return Status{Errc::io_error, "no randomness for a new sealing key"};
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return Status{Errc::io_error, "cannot create " + path};
  const std::string text = to_hex(bytes(key), key.size()) + "\n";
  const bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) && ::fsync(fd) == 0;
  ::close(fd);
  if (!ok) return Status{Errc::io_error, "cannot write " + path};
  return Sealer(std::move(key));
}

Result<std::string> Sealer::seal(std::string_view secret, std::string_view owner) const {
  unsigned char nonce[kNonceBytes];
  if (RAND_bytes(nonce, sizeof nonce) != 1) return Status{Errc::io_error, "no randomness for a nonce"};
  std::string out(secret.size() + kTagBytes, '\0');
  auto* o = reinterpret_cast<unsigned char*>(out.data());
  CipherContext c;
  int n = 0, tail = 0;
  const bool ok = c.ctx && EVP_EncryptInit_ex(c.ctx, EVP_aes_256_gcm(), nullptr, bytes(key_), nonce) == 1 &&
                  EVP_EncryptUpdate(c.ctx, nullptr, &n, bytes(owner), static_cast<int>(owner.size())) == 1 &&
                  EVP_EncryptUpdate(c.ctx, o, &n, bytes(secret), static_cast<int>(secret.size())) == 1 &&
                  EVP_EncryptFinal_ex(c.ctx, o + n, &tail) == 1 &&
                  EVP_CIPHER_CTX_ctrl(c.ctx, EVP_CTRL_GCM_GET_TAG, kTagBytes, o + secret.size()) == 1;
  if (!ok) return Status{Errc::io_error, "cannot seal a secret"};
  return std::string(kPrefix) + to_hex(nonce, sizeof nonce) + ":" + to_hex(o, out.size());
}

Result<std::string> Sealer::unseal(std::string_view sealed, std::string_view owner) const {
  const Status not_ours{Errc::invalid_argument, "the secret was not sealed by this data directory's key"};
  if (!sealed.starts_with(kPrefix)) return not_ours;
  sealed.remove_prefix(kPrefix.size());
  const size_t colon = sealed.find(':');
  if (colon == std::string_view::npos) return not_ours;
  auto nonce = from_hex(sealed.substr(0, colon));
  auto box = from_hex(sealed.substr(colon + 1));
  if (!nonce || !box || nonce->size() != kNonceBytes || box->size() < kTagBytes) return not_ours;
  const size_t length = box->size() - kTagBytes;
  std::string out(length, '\0');
  auto* o = reinterpret_cast<unsigned char*>(out.data());
  CipherContext c;
  int n = 0, tail = 0;
  std::string tag = box->substr(length);
  const bool ok = c.ctx && EVP_DecryptInit_ex(c.ctx, EVP_aes_256_gcm(), nullptr, bytes(key_), bytes(*nonce)) == 1 &&
                  EVP_DecryptUpdate(c.ctx, nullptr, &n, bytes(owner), static_cast<int>(owner.size())) == 1 &&
                  EVP_DecryptUpdate(c.ctx, o, &n, bytes(*box), static_cast<int>(length)) == 1 &&
                  EVP_CIPHER_CTX_ctrl(c.ctx, EVP_CTRL_GCM_SET_TAG, kTagBytes, tag.data()) == 1 &&
                  EVP_DecryptFinal_ex(c.ctx, o + n, &tail) == 1;
  if (!ok) return not_ours;
  return out;
}

}  // namespace aftercare
