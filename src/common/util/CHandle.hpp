#pragma once
// std::unique_ptr over a C handle with a named deleter: CHandle<SSL_CTX, SSL_CTX_free>.
#include <memory>

namespace talk {

template <auto FreeFunction>
struct CDeleter
{
  template <typename T>
  void operator()(T* handle) const noexcept
  {
    if (handle != nullptr) {
      FreeFunction(handle);
    }
  }
};

template <typename T, auto FreeFunction>
using CHandle = std::unique_ptr<T, CDeleter<FreeFunction>>;

}
