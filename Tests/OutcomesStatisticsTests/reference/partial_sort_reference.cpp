// libstdc++ std::partial_sort of indices by keys (as MatchIt 4.7.x selects matches): prints the first `middle`
// of each case. g++ -O2 partial_sort_reference.cpp -o ps && ./ps   (g++ 12, Debian 12: 4 1 0 / 0 1 / 6 7 1 / 6 5 4 7)
#include <algorithm>
#include <vector>
#include <cstdio>
int main() {
  std::vector<std::vector<double>> cases = {{1,1,2,2,0.5,1}, {3,3,3,3,3,3,3}, {2,1,2,1,2,1,0,0}, {5,4,4,4,1,1,1,2,2}};
  int middles[] = {3, 2, 3, 4};
  for (size_t c = 0; c < cases.size(); c++) {
    auto& k = cases[c];
    std::vector<int> ind(k.size());
    for (size_t i = 0; i < ind.size(); i++) ind[i] = i;
    std::partial_sort(ind.begin(), ind.begin() + middles[c], ind.end(), [&](int a, int b){ return k[a] < k[b]; });
    for (int i = 0; i < middles[c]; i++) printf("%d ", ind[i]);
    printf("\n");
  }
}
